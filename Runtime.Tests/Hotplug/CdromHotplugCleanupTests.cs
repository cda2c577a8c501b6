using Toolstack.Runtime.Tests.Hotplug.Support;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Hotplug;

/// <summary>
/// Once the config is finalised the change has happened: failing to drop the old fd set
/// afterwards (QEMU died, the connection broke) is not the change's failure. The fake monitor
/// closes the connection when <c>remove-fd</c> arrives.
/// </summary>
public sealed class CdromHotplugCleanupTests
{
    private const string OldMedium = """{"disks":[{"vdev":"cd0","is_cdrom":true,"pdev_path":{"path":"/images/old.iso","fdset":3}}]}""";

    [Fact]
    public async Task Insert_WhenQemuDisconnectsWhileTheOldFdsetIsDropped_Succeeds_AndTheConfigHasTheNewMedium()
    {
        await using FakeCdromDomain fake = await FakeCdromDomain.StartAsync(disconnectOn: "remove-fd");
        fake.WriteConfig(OldMedium);
        string image = fake.Directory.Touch("install.iso");

        await CdromHotplug.InsertAsync(fake.Domain, "cd0", image, QmpTimeouts.MustCompleteToken());

        Assert.Contains("remove-fd", fake.Commands);
        DiskConfig cd = Assert.IsType<DiskConfig>((await fake.ReadConfigAsync()).FindDisk("cd0"));
        Assert.Equal(new MediumConfig { Path = image, FdSet = Assert.Single(fake.AddFds).FdsetId }, CdromState.WithoutToken(cd.Medium));
        Assert.Null(cd.Pending);
    }

    [Fact]
    public async Task Eject_WhenQemuDisconnectsWhileTheFdsetIsDropped_Succeeds_AndTheConfigIsEmpty()
    {
        await using FakeCdromDomain fake = await FakeCdromDomain.StartAsync(disconnectOn: "remove-fd");
        fake.WriteConfig(OldMedium);

        await CdromHotplug.EjectAsync(fake.Domain, "cd0", ct: QmpTimeouts.MustCompleteToken());

        Assert.Contains("remove-fd", fake.Commands);
        DiskConfig cd = Assert.IsType<DiskConfig>((await fake.ReadConfigAsync()).FindDisk("cd0"));
        Assert.Null(cd.Medium);
        Assert.Null(cd.Pending);
    }

    [Fact]
    public async Task Insert_RefusedByQemu_WhenQemuDisconnectsWhileTheNewFdsetIsDropped_ReportsQemusRefusal()
    {
        await using FakeCdromDomain fake = await FakeCdromDomain.StartAsync(disconnectOn: "remove-fd", refuse: "blockdev-change-medium");
        byte[] before = fake.WriteConfig(OldMedium);
        string image = fake.Directory.Touch("install.iso");

        QmpCommandException error = await Assert.ThrowsAsync<QmpCommandException>(
            () => CdromHotplug.InsertAsync(fake.Domain, "cd0", image, QmpTimeouts.MustCompleteToken()));

        Assert.Equal("blockdev-change-medium", error.Command);
        DiskConfig cd = Assert.IsType<DiskConfig>((await fake.ReadConfigAsync()).FindDisk("cd0"));
        Assert.Equal(new MediumConfig { Path = "/images/old.iso", FdSet = 3 }, CdromState.WithoutToken(cd.Medium));
        Assert.Null(cd.Pending);
    }
}
