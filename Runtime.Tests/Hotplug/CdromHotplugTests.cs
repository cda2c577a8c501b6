using System.Text.Json;
using Toolstack.Runtime.Tests.Hotplug.Support;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Hotplug;

/// <summary>
/// libxl's CD-ROM insert and eject (<see cref="CdromHotplug"/>) against real QEMU 7.2
/// (<c>-M pc -S -nodefaults -device ide-cd,id=cd0</c>). After every step the state is captured
/// with the domain's locks taken (so they must be free) and libxl's invariant is checked: every
/// medium in <c>query-block</c> is described in the JSON config, by fd set and image path.
/// </summary>
public sealed class CdromHotplugTests
{
    private const string Cd = "cd0";

    [QemuFact]
    public async Task Insert_QemuHoldsTheImageAsAnFdset_AndTheConfigDescribesIt()
    {
        await using CdromRig rig = await CdromRig.StartAsync();
        string image = rig.Image("install.iso");
        CdromState before = await rig.StateAsync();
        Assert.Null(before.Inserted(Cd));

        await CdromHotplug.InsertAsync(rig.Domain, Cd, image, QmpTimeouts.MustCompleteToken());

        CdromState after = await rig.StateAsync();
        QmpBlockMedium medium = Assert.IsType<QmpBlockMedium>(after.Inserted(Cd));
        int fdset = Assert.IsType<int>(CdromState.FdsetOf(medium.File));
        Assert.Equal($"/dev/fdset/{fdset}", medium.File);
        Assert.True(medium.ReadOnly);
        Assert.Equal("raw", medium.Driver);
        // query-fdsets maps the set back to the image: CdromHotplug passes the path as the opaque string.
        Assert.Equal(image, Assert.Single(after.OpaquesOf(fdset)));
        DiskConfig disk = Assert.IsType<DiskConfig>(after.Disk(Cd));
        Assert.True(disk.IsCdrom);
        Assert.Equal(new MediumConfig { Path = image, FdSet = fdset }, CdromState.WithoutToken(disk.Medium));
        Assert.Null(disk.Pending);
        Assert.True(after.Config.Describes(Cd, medium.File));
    }

    [QemuFact]
    public async Task Eject_EmptiesTheDrive_ThenTheConfig()
    {
        await using CdromRig rig = await CdromRig.StartAsync();
        await CdromHotplug.InsertAsync(rig.Domain, Cd, rig.Image("install.iso"), QmpTimeouts.MustCompleteToken());
        Assert.NotNull((await rig.StateAsync()).Inserted(Cd));

        await CdromHotplug.EjectAsync(rig.Domain, Cd, ct: QmpTimeouts.MustCompleteToken());

        CdromState after = await rig.StateAsync();
        QmpBlockDevice drive = Assert.Single(after.Block, d => d.Qdev == Cd);
        Assert.Null(drive.Inserted);
        Assert.True(drive.TrayOpen);
        DiskConfig disk = Assert.IsType<DiskConfig>(after.Disk(Cd));
        Assert.Null(disk.Medium);
        Assert.Null(disk.Pending);
    }

    [QemuFact]
    public async Task Eject_OfAnEmptyDrive_Succeeds_AndRecordsNoMedium()
    {
        await using CdromRig rig = await CdromRig.StartAsync();

        await CdromHotplug.EjectAsync(rig.Domain, Cd, ct: QmpTimeouts.MustCompleteToken());

        CdromState after = await rig.StateAsync();
        Assert.Null(after.Inserted(Cd));
        Assert.Null(after.Disk(Cd)?.Medium);
        Assert.Null(after.Disk(Cd)?.Pending);
    }

    [QemuFact]
    public async Task Insert_Again_ReplacesTheMedium_InQemuAndInTheConfig()
    {
        await using CdromRig rig = await CdromRig.StartAsync();
        string first = rig.Image("install.iso");
        string second = rig.Image("drivers.iso");
        await CdromHotplug.InsertAsync(rig.Domain, Cd, first, QmpTimeouts.MustCompleteToken());
        int firstSet = Assert.IsType<int>((await rig.StateAsync()).InsertedFdset(Cd));

        await CdromHotplug.InsertAsync(rig.Domain, Cd, second, QmpTimeouts.MustCompleteToken());

        CdromState after = await rig.StateAsync();
        int secondSet = Assert.IsType<int>(after.InsertedFdset(Cd));
        Assert.NotEqual(firstSet, secondSet);
        Assert.Equal(second, after.OpaqueOf(secondSet));
        Assert.Equal(new MediumConfig { Path = second, FdSet = secondSet }, CdromState.WithoutToken(after.Disk(Cd)!.Medium));
        Assert.Null(after.Disk(Cd)!.Pending);
    }

    [QemuFact]
    public async Task InsertEjectInsert_EachStepKeepsTheInvariant()
    {
        await using CdromRig rig = await CdromRig.StartAsync();
        string[] images = [rig.Image("a.iso"), rig.Image("b.iso")];
        CancellationToken ct = QmpTimeouts.MustCompleteToken();

        for (int i = 0; i < 4; i++)
        {
            string image = images[i % 2];
            await CdromHotplug.InsertAsync(rig.Domain, Cd, image, ct);
            CdromState inserted = await rig.StateAsync();
            Assert.Equal(image, inserted.Disk(Cd)!.Medium!.Path);
            Assert.Equal(inserted.InsertedFdset(Cd), inserted.Disk(Cd)!.Medium!.FdSet);

            if (i % 2 == 1)
            {
                await CdromHotplug.EjectAsync(rig.Domain, Cd, ct: ct);
                CdromState ejected = await rig.StateAsync();
                Assert.Null(ejected.Inserted(Cd));
                Assert.Null(ejected.Disk(Cd)!.Medium);
            }
        }
    }

    [QemuFact]
    public async Task Insert_MissingImage_ThrowsFileNotFound_AndChangesNothing()
    {
        await using CdromRig rig = await CdromRig.StartAsync();
        await CdromHotplug.InsertAsync(rig.Domain, Cd, rig.Image("install.iso"), QmpTimeouts.MustCompleteToken());
        CdromState before = await rig.StateAsync();
        string missing = Path.Combine(rig.Directory.Path, "missing.iso");

        await Assert.ThrowsAsync<FileNotFoundException>(
            () => CdromHotplug.InsertAsync(rig.Domain, Cd, missing, QmpTimeouts.MustCompleteToken()));

        CdromState after = await rig.StateAsync();
        AssertSameState(before, after);
    }

    [QemuFact]
    public async Task Insert_MissingImage_IntoAnEmptyDrive_WritesNoConfig()
    {
        await using CdromRig rig = await CdromRig.StartAsync();

        await Assert.ThrowsAsync<FileNotFoundException>(
            () => CdromHotplug.InsertAsync(rig.Domain, Cd, Path.Combine(rig.Directory.Path, "missing.iso"), QmpTimeouts.MustCompleteToken()));

        CdromState after = await rig.StateAsync();
        Assert.Null(after.Inserted(Cd));
        Assert.Empty(after.Fdsets);
        Assert.False(File.Exists(rig.Userdata.JsonConfigPath));
    }

    [QemuFact]
    public async Task Insert_IntoANonexistentDevice_ThrowsQmpCommandException_AndTheConfigKeepsNoPendingMedium()
    {
        await using CdromRig rig = await CdromRig.StartAsync();
        await CdromHotplug.InsertAsync(rig.Domain, Cd, rig.Image("install.iso"), QmpTimeouts.MustCompleteToken());
        CdromState before = await rig.StateAsync();

        QmpCommandException error = await Assert.ThrowsAsync<QmpCommandException>(
            () => CdromHotplug.InsertAsync(rig.Domain, "cd9", rig.Image("drivers.iso"), QmpTimeouts.MustCompleteToken()));

        Assert.Equal("DeviceNotFound", error.Class);
        CdromState after = await rig.StateAsync();
        Assert.All(after.Config.Disks, disk => Assert.Null(disk.Pending));
        // The failed insert leaves no trace in the config: no disk cd9 appears, cd0 is untouched.
        Assert.Equal(Json(before.Config), Json(after.Config));
        Assert.Equal(before.Inserted(Cd)!.File, after.Inserted(Cd)!.File);
    }

    [QemuFact]
    public async Task Insert_OfAnImageQemuRefuses_RollsTheConfigBack_AndQemuKeepsTheOldMedium()
    {
        await using CdromRig rig = await CdromRig.StartAsync();
        await CdromHotplug.InsertAsync(rig.Domain, Cd, rig.Image("install.iso"), QmpTimeouts.MustCompleteToken());
        CdromState before = await rig.StateAsync();

        // QEMU's 'file' driver takes regular files only: add-fd accepts /dev/null, blockdev-change-medium refuses it.
        await Assert.ThrowsAsync<QmpCommandException>(
            () => CdromHotplug.InsertAsync(rig.Domain, Cd, "/dev/null", QmpTimeouts.MustCompleteToken()));

        CdromState after = await rig.StateAsync();
        Assert.Equal(Json(before.Config), Json(after.Config));
        Assert.Equal(before.Inserted(Cd)!.File, after.Inserted(Cd)!.File);
    }

    /// <summary>
    /// The state a crash leaves between <c>blockdev-change-medium</c> and finalising the config:
    /// QEMU holds the new medium, the config has it as pending. The next insert must not overwrite
    /// that pending record while QEMU still holds the medium; here the next insert even fails.
    /// </summary>
    [QemuFact]
    public async Task Insert_AfterAnInterruptedInsertThatReachedQemu_KeepsItDescribed_EvenWhenTheNewInsertFails()
    {
        await using CdromRig rig = await CdromRig.StartAsync();
        string first = rig.Image("install.iso");
        string interrupted = rig.Image("drivers.iso");
        await CdromHotplug.InsertAsync(rig.Domain, Cd, first, QmpTimeouts.MustCompleteToken());
        int pendingSet = await SimulateInterruptedInsertAsync(rig, interrupted, reachQemu: true);
        CdromState crashed = await rig.StateAsync();
        Assert.Equal(pendingSet, crashed.InsertedFdset(Cd));

        await Assert.ThrowsAsync<QmpCommandException>(
            () => CdromHotplug.InsertAsync(rig.Domain, Cd, "/dev/null", QmpTimeouts.MustCompleteToken()));

        CdromState after = await rig.StateAsync();
        Assert.Equal(pendingSet, after.InsertedFdset(Cd));
        // The interrupted insert was finished: what QEMU holds is now the medium.
        Assert.Equal(new MediumConfig { Path = interrupted, FdSet = pendingSet }, CdromState.WithoutToken(after.Disk(Cd)!.Medium));
        Assert.Null(after.Disk(Cd)!.Pending);
    }

    /// <summary>The state a crash leaves after recording the pending medium, before QEMU was asked: QEMU still holds the old one.</summary>
    [QemuFact]
    public async Task Insert_AfterAnInterruptedInsertThatDidNotReachQemu_ForgetsIt()
    {
        await using CdromRig rig = await CdromRig.StartAsync();
        string first = rig.Image("install.iso");
        await CdromHotplug.InsertAsync(rig.Domain, Cd, first, QmpTimeouts.MustCompleteToken());
        int firstSet = Assert.IsType<int>((await rig.StateAsync()).InsertedFdset(Cd));
        await SimulateInterruptedInsertAsync(rig, rig.Image("drivers.iso"), reachQemu: false);

        await Assert.ThrowsAsync<QmpCommandException>(
            () => CdromHotplug.InsertAsync(rig.Domain, Cd, "/dev/null", QmpTimeouts.MustCompleteToken()));

        CdromState after = await rig.StateAsync();
        Assert.Equal(firstSet, after.InsertedFdset(Cd));
        Assert.Equal(new MediumConfig { Path = first, FdSet = firstSet }, CdromState.WithoutToken(after.Disk(Cd)!.Medium));
        Assert.Null(after.Disk(Cd)!.Pending);

        string next = rig.Image("next.iso");
        await CdromHotplug.InsertAsync(rig.Domain, Cd, next, QmpTimeouts.MustCompleteToken());
        Assert.Equal(next, (await rig.StateAsync()).Disk(Cd)!.Medium!.Path);
    }

    [QemuFact]
    public async Task Eject_AfterAnInterruptedInsert_EmptiesTheDriveAndTheConfig()
    {
        await using CdromRig rig = await CdromRig.StartAsync();
        await CdromHotplug.InsertAsync(rig.Domain, Cd, rig.Image("install.iso"), QmpTimeouts.MustCompleteToken());
        await SimulateInterruptedInsertAsync(rig, rig.Image("drivers.iso"), reachQemu: true);

        await CdromHotplug.EjectAsync(rig.Domain, Cd, ct: QmpTimeouts.MustCompleteToken());

        CdromState after = await rig.StateAsync();
        Assert.Null(after.Inserted(Cd));
        Assert.Null(after.Disk(Cd)!.Medium);
        Assert.Null(after.Disk(Cd)!.Pending);
    }

    [QemuFact]
    public async Task ConcurrentInserts_OnOneDomain_SerialiseOnTheQmpLock_AndLeaveQemuAndTheConfigConsistent()
    {
        await using CdromRig rig = await CdromRig.StartAsync();
        await ConcurrentInsertsAsync(rig, rig.Domain, rig.Domain);
    }

    [QemuFact]
    public async Task ConcurrentInserts_ThroughTwoDomainObjects_SerialiseOnTheLockFile()
    {
        // Two objects for one domain, as two daemons would have: separate QmpLock instances, one flock.
        await using CdromRig rig = await CdromRig.StartAsync();
        var other = new Domain(rig.Userdata.DomainId, rig.Userdata);
        CdromRig.AttachMonitor(other, rig.Qmp);
        await ConcurrentInsertsAsync(rig, rig.Domain, other);
    }

    [QemuFact]
    public async Task ManyConcurrentInsertsAndEjects_EndConsistent()
    {
        await using CdromRig rig = await CdromRig.StartAsync();
        string[] images = [rig.Image("a.iso"), rig.Image("b.iso"), rig.Image("c.iso")];
        CancellationToken ct = QmpTimeouts.MustCompleteToken();

        Task[] changes = Enumerable.Range(0, 12)
            .Select(i => i % 4 == 3
                ? CdromHotplug.EjectAsync(rig.Domain, Cd, ct: ct)
                : CdromHotplug.InsertAsync(rig.Domain, Cd, images[i % images.Length], ct))
            .ToArray();
        await Task.WhenAll(changes).WaitAsync(QmpTimeouts.MustComplete);

        CdromState after = await rig.StateAsync();
        Assert.Null(after.Disk(Cd)!.Pending);
        Assert.Equal(after.InsertedFdset(Cd), after.Disk(Cd)!.Medium?.FdSet);
    }

    [QemuFact]
    public async Task Insert_And_Eject_OfADomainWithoutUserdata_ThrowInvalidOperation_AndTouchNothing()
    {
        await using CdromRig rig = await CdromRig.StartAsync();
        var bare = new Domain("bare");
        CdromRig.AttachMonitor(bare, rig.Qmp);
        string image = rig.Image("install.iso");

        await Assert.ThrowsAsync<InvalidOperationException>(() => CdromHotplug.InsertAsync(bare, Cd, image, QmpTimeouts.MustCompleteToken()));
        await Assert.ThrowsAsync<InvalidOperationException>(() => CdromHotplug.EjectAsync(bare, Cd, ct: QmpTimeouts.MustCompleteToken()));

        CdromState after = await rig.StateAsync();
        Assert.Null(after.Inserted(Cd));
        Assert.Empty(after.Fdsets);
    }

    [QemuFact]
    public async Task Insert_And_Eject_OfADomainWithoutMonitor_ThrowInvalidOperation_AndReleaseTheQmpLock()
    {
        await using CdromRig rig = await CdromRig.StartAsync();
        var detached = new Domain(rig.Userdata.DomainId, rig.Userdata); // same files, no QMP connection
        string image = rig.Image("install.iso");

        InvalidOperationException insert = await Assert.ThrowsAsync<InvalidOperationException>(
            () => CdromHotplug.InsertAsync(detached, Cd, image, QmpTimeouts.MustCompleteToken()));
        await Assert.ThrowsAsync<InvalidOperationException>(() => CdromHotplug.EjectAsync(detached, Cd, ct: QmpTimeouts.MustCompleteToken()));

        Assert.Contains("no QMP connection", insert.Message, StringComparison.Ordinal);
        // Its own QmpLock instance was released (a leaked one would hold the flock and the gate).
        using (var wait = new CancellationTokenSource(CdromRig.LockTimeout))
        {
            await using LockHandle again = await detached.QmpLock!.LockAsync(wait.Token);
        }

        CdromState after = await rig.StateAsync();
        Assert.Null(after.Inserted(Cd));
        Assert.Empty(after.Fdsets);
        Assert.False(File.Exists(rig.Userdata.JsonConfigPath));
    }

    private static async Task ConcurrentInsertsAsync(CdromRig rig, Domain first, Domain second)
    {
        string a = rig.Image("a.iso");
        string b = rig.Image("b.iso");
        CdromState before = await rig.StateAsync();
        CancellationToken ct = QmpTimeouts.MustCompleteToken();
        Task insertA;
        Task insertB;

        // While the slow lock is held elsewhere, neither insert may reach QEMU or the config.
        using (var wait = new CancellationTokenSource(CdromRig.LockTimeout))
        {
            await using LockHandle outside = await rig.QmpLock.LockAsync(wait.Token);
            insertA = CdromHotplug.InsertAsync(first, Cd, a, ct);
            insertB = CdromHotplug.InsertAsync(second, Cd, b, ct);
            await Task.Delay(QmpTimeouts.StaysQuiet);

            Assert.False(insertA.IsCompleted, $"insert of a.iso ran while the QmpLock was held: {insertA.Status}");
            Assert.False(insertB.IsCompleted, $"insert of b.iso ran while the QmpLock was held: {insertB.Status}");
            Assert.Null(Assert.Single(await rig.Qmp.QueryBlockAsync(ct), d => d.Qdev == Cd).Inserted);
            Assert.Empty(await rig.Qmp.QueryFdsetsAsync(ct));
            Assert.Equal(Json(before.Config), Json(await CdromState.ReadConfigAsync(rig.JsonLock, CdromRig.LockTimeout)));
        }

        await Task.WhenAll(insertA, insertB).WaitAsync(QmpTimeouts.MustComplete);

        CdromState after = await rig.StateAsync();
        // One fd set each, added one after the other.
        Assert.Equal([a, b], after.Fdsets.Select(s => after.OpaqueOf(s.FdsetId)).Order(StringComparer.Ordinal));
        // QEMU holds the medium of the insert that ran last (its fd set was added last), and the config says so.
        int held = Assert.IsType<int>(after.InsertedFdset(Cd));
        Assert.Equal(after.MaxFdset, held);
        Assert.Equal(new MediumConfig { Path = after.OpaqueOf(held)!, FdSet = held }, CdromState.WithoutToken(after.Disk(Cd)!.Medium));
        Assert.Null(after.Disk(Cd)!.Pending);
    }

    /// <summary>
    /// Leaves the state a crashed insert of <paramref name="image"/> leaves: its fd set added, the
    /// config recording it as pending, and (when <paramref name="reachQemu"/>) QEMU holding it.
    /// </summary>
    private static async Task<int> SimulateInterruptedInsertAsync(CdromRig rig, string image, bool reachQemu)
    {
        CancellationToken ct = QmpTimeouts.MustCompleteToken();
        await using LockHandle slow = await rig.QmpLock.LockAsync(ct);
        QmpAddFdResult added;
        using (FileStream file = new(image, FileMode.Open, FileAccess.Read))
        {
            added = await rig.Qmp.AddFdAsync(file.SafeFileHandle, fdsetId: null, opaque: image, ct);
        }

        using (LockHandle json = rig.JsonLock.Lock())
        {
            DomainConfig config = DomainConfigFile.Read(json);
            DiskConfig disk = config.FindDisk(Cd) ?? new DiskConfig { Device = Cd, IsCdrom = true };
            DomainConfigFile.Write(json, config.WithDisk(disk with { Pending = new MediumConfig { Path = image, FdSet = added.FdsetId } }));
        }

        if (reachQemu)
        {
            await rig.Qmp.BlockdevChangeMediumAsync(Cd, added.Path, "raw", QmpReadOnlyMode.ReadOnly, ct);
        }

        return added.FdsetId;
    }

    private static void AssertSameState(CdromState before, CdromState after)
    {
        Assert.Equal(before.Inserted(Cd)?.File, after.Inserted(Cd)?.File);
        Assert.Equal(before.Fdsets.Select(s => s.FdsetId).Order(), after.Fdsets.Select(s => s.FdsetId).Order());
        Assert.Equal(Json(before.Config), Json(after.Config));
    }

    private static string Json(DomainConfig config) => JsonSerializer.Serialize(config);
}
