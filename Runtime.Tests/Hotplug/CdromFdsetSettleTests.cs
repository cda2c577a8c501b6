using Toolstack.Runtime.Tests.Hotplug.Support;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Hotplug;

/// <summary>
/// "Nothing in QEMU without its entry in the JSON config", fd sets included, against real QEMU
/// 7.2: an fd set an interrupted change left (add-fd answered too late, a kill between finalising
/// the config and dropping the old set) is removed by the next change. The VM runs in these
/// tests: QEMU 7.2 closes a removed fd set only while it runs.
/// </summary>
public sealed class CdromFdsetSettleTests
{
    private const string Cd = "cd0";

    /// <summary>
    /// The domain's connection is stalled after QEMU ran <c>add-fd</c> and before its reply is
    /// read (the client's reader runs event matchers inline: one that waits holds every later
    /// reply unread), the insert is cancelled, then the connection resumes.
    /// </summary>
    [QemuFact]
    public async Task Insert_CancelledWhileAddFdIsInFlight_TheNextInsertLeavesNoFdsetOutsideTheConfig()
    {
        await using CdromRig rig = await CdromRig.StartAsync("8.addfd", running: true, separateMonitor: true);
        string cancelled = rig.Image("cancelled.iso");
        string next = rig.Image("next.iso");
        CancellationToken ct = QmpTimeouts.MustCompleteToken();

        using var release = new ManualResetEventSlim();
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using QmpEventWaiter stall = rig.DomainQmp.WaitForEvent("RESET", _ =>
        {
            stalled.TrySetResult();
            release.Wait(QmpTimeouts.MustComplete);
            return true;
        });
        try
        {
            await rig.Qmp.SystemResetAsync(ct);
            await stalled.Task.WaitAsync(QmpTimeouts.MustComplete);

            using var cancel = new CancellationTokenSource();
            Task insert = CdromHotplug.InsertAsync(rig.Domain, Cd, cancelled, cancel.Token);
            // QEMU has run add-fd once the observer sees the set; the reply waits behind the stalled reader.
            await PollAsync(async () => (await rig.Qmp.QueryFdsetsAsync(ct)).Any(s => s.Fds.Any(f => (CdromState.ImageOf(f.Opaque) ?? f.Opaque) == cancelled)));
            cancel.Cancel();
            release.Set();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => insert.WaitAsync(QmpTimeouts.MustComplete));
        }
        finally
        {
            release.Set();
        }

        await CdromHotplug.InsertAsync(rig.Domain, Cd, next, ct);

        CdromState after = await rig.StateAsync();
        after.AssertSettled();
        Assert.Empty(after.UnnamedFdsetsOf([cancelled, next]));
        Assert.Equal(next, after.Disk(Cd)!.Medium!.Path);
    }

    /// <summary>The state a kill between finalising the config and dropping the old fd set leaves: the old set is in QEMU, named by nothing.</summary>
    [QemuFact]
    public async Task Eject_AfterAKillBetweenFinaliseAndDrop_RemovesTheOldFdset()
    {
        await using CdromRig rig = await CdromRig.StartAsync("8.drop", running: true);
        string first = rig.Image("first.iso");
        string second = rig.Image("second.iso");
        CancellationToken ct = QmpTimeouts.MustCompleteToken();
        await CdromHotplug.InsertAsync(rig.Domain, Cd, first, ct);
        int firstSet = Assert.IsType<int>((await rig.StateAsync()).InsertedFdset(Cd));
        await SimulateInsertKilledBeforeDropAsync(rig, second);
        CdromState killed = await rig.StateAsync();
        Assert.Equal([firstSet], killed.UnnamedFdsetsOf([first, second]));

        await CdromHotplug.EjectAsync(rig.Domain, Cd, ct: ct);

        CdromState after = await rig.StateAsync();
        after.AssertSettled();
        Assert.Empty(after.UnnamedFdsetsOf([first, second]));
        Assert.Null(after.Inserted(Cd));
    }

    /// <summary>
    /// What "settled" means under QEMU 7.2's prelaunch quirk: remove-fd before the VM runs leaves
    /// the set open and listed, so every change repeats it for each set of its own the config does
    /// not name; the first change after the VM runs closes them.
    /// </summary>
    [QemuFact]
    public async Task OrphanFdsetsLeftInThePrelaunchState_AreClosedByTheFirstChangeAfterTheVmRuns()
    {
        await using CdromRig rig = await CdromRig.StartAsync("8.prelaunch");
        string first = rig.Image("first.iso");
        string second = rig.Image("second.iso");
        string third = rig.Image("third.iso");
        CancellationToken ct = QmpTimeouts.MustCompleteToken();
        await CdromHotplug.InsertAsync(rig.Domain, Cd, first, ct);
        await SimulateInsertKilledBeforeDropAsync(rig, second);
        await CdromHotplug.EjectAsync(rig.Domain, Cd, ct: ct);

        await rig.Qmp.ContAsync(ct);
        await CdromHotplug.InsertAsync(rig.Domain, Cd, third, ct);

        CdromState after = await rig.StateAsync();
        after.AssertSettled();
        Assert.Empty(after.UnnamedFdsetsOf([first, second, third]));
        Assert.Equal(third, after.Disk(Cd)!.Medium!.Path);
    }

    [QemuFact]
    public async Task Settle_RemovesOnlyTheHotplugsOwnUnnamedFdsets_NeverOneTheConfigNamesOrSomeoneElses()
    {
        await using CdromRig rig = await CdromRig.StartAsync("8.own", running: true);
        string first = rig.Image("first.iso");
        string second = rig.Image("second.iso");
        string foreign = rig.Image("foreign.img");
        CancellationToken ct = QmpTimeouts.MustCompleteToken();
        await CdromHotplug.InsertAsync(rig.Domain, Cd, first, ct);
        await SimulateInsertKilledBeforeDropAsync(rig, second);
        QmpAddFdResult other;
        using (FileStream file = new(foreign, FileMode.Open, FileAccess.Read))
        {
            other = await rig.Qmp.AddFdAsync(file.SafeFileHandle, fdsetId: null, opaque: foreign, ct);
        }

        await CdromHotplug.SettleAsync(rig.Domain, ct);

        CdromState after = await rig.StateAsync();
        after.AssertSettled();
        Assert.Empty(after.UnnamedFdsetsOf([first, second]));
        Assert.Equal(foreign, after.OpaqueOf(other.FdsetId));
        Assert.Equal(second, after.Disk(Cd)!.Medium!.Path);
        Assert.Equal(after.Disk(Cd)!.Medium!.FdSet, after.InsertedFdset(Cd));
    }

    /// <summary>An insert of <paramref name="image"/> that finalised the config and was killed before dropping the old medium's fd set.</summary>
    private static async Task SimulateInsertKilledBeforeDropAsync(CdromRig rig, string image)
    {
        CancellationToken ct = QmpTimeouts.MustCompleteToken();
        await using LockHandle slow = await rig.QmpLock.LockAsync(ct);
        QmpAddFdResult added;
        using (FileStream file = new(image, FileMode.Open, FileAccess.Read))
        {
            added = await rig.DomainQmp.AddFdAsync(file.SafeFileHandle, fdsetId: null, opaque: CdromHotplug.FdsetOpaquePrefix + image, ct);
        }

        var medium = new MediumConfig { Path = image, FdSet = added.FdsetId };
        using (LockHandle json = rig.JsonLock.Lock())
        {
            DomainConfig config = DomainConfigFile.Read(json);
            DiskConfig disk = config.FindDisk(Cd) ?? new DiskConfig { Device = Cd, IsCdrom = true };
            DomainConfigFile.Write(json, config.WithDisk(disk with { Pending = medium }));
        }

        await rig.DomainQmp.BlockdevChangeMediumAsync(Cd, added.Path, "raw", QmpReadOnlyMode.ReadOnly, ct);
        using (LockHandle json = rig.JsonLock.Lock())
        {
            DomainConfig config = DomainConfigFile.Read(json);
            DomainConfigFile.Write(json, config.WithDisk(config.FindDisk(Cd)! with { Medium = medium, Pending = null }));
        }
    }

    /// <summary>Polls a condition QEMU offers no event for, within a generous bound.</summary>
    private static async Task PollAsync(Func<Task<bool>> condition)
    {
        using var limit = new CancellationTokenSource(QmpTimeouts.MustComplete);
        while (!await condition())
        {
            await Task.Delay(20, limit.Token);
        }
    }
}
