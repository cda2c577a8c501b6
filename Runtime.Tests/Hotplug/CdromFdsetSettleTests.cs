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
    /// The state a kill right after <c>add-fd</c> leaves (its answer never read, nothing after it
    /// done): the pending record, written before add-fd with the set's id and the insert's token,
    /// describes the set QEMU made, before any settle; the next insert removes it and forgets the record.
    /// </summary>
    [QemuFact]
    public async Task Insert_AfterAKillRightAfterAddFd_TheFdsetWasDescribed_AndTheNextInsertRemovesIt()
    {
        await using CdromRig rig = await CdromRig.StartAsync("8.addfd", running: true);
        string killed = rig.Image("killed.iso");
        string next = rig.Image("next.iso");
        CancellationToken ct = QmpTimeouts.MustCompleteToken();
        string token = new('a', RandomToken.Length);
        await using (LockHandle slow = await rig.QmpLock.LockAsync(ct))
        {
            int id = (await rig.Qmp.QueryFdsetsAsync(ct)).Select(f => f.FdsetId).DefaultIfEmpty(-1).Max() + 1;
            using (LockHandle json = rig.JsonLock.Lock())
            {
                DomainConfig config = DomainConfigFile.Read(json);
                DomainConfigFile.Write(json, config.WithDisk(new DiskConfig { Device = Cd, IsCdrom = true, Pending = new MediumConfig { Path = killed, FdSet = id, Token = token } }));
            }

            using FileStream file = new(killed, FileMode.Open, FileAccess.Read);
            Assert.Equal(id, (await rig.Qmp.AddFdAsync(file.SafeFileHandle, id, CdromFdsets.Opaque(token, killed), ct)).FdsetId);
        }

        CdromState crashed = await rig.StateAsync();
        Assert.Empty(crashed.FdsetViolations());
        Assert.Single(crashed.HotplugFdsets);

        await CdromHotplug.InsertAsync(rig.Domain, Cd, next, ct);

        CdromState after = await rig.StateAsync();
        after.AssertSettled();
        Assert.Empty(after.UnnamedFdsetsOf([killed, next]));
        Assert.DoesNotContain(after.HotplugFdsets, s => s.Fds.Any(f => CdromState.ImageOf(f.Opaque) == killed));
        Assert.Equal(next, after.Disk(Cd)!.Medium!.Path);
        Assert.Null(after.Disk(Cd)!.Pending);
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
