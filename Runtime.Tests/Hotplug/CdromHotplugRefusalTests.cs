using Toolstack.Runtime.Tests.Hotplug.Support;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Hotplug;

/// <summary>
/// What <see cref="CdromHotplug"/> refuses before it asks QEMU anything: a corrupt config, a
/// device the config records as something other than a CD-ROM. The fake monitor records every
/// command, so "no QMP call" is checked, and the config must be byte-identical afterwards.
/// </summary>
public sealed class CdromHotplugRefusalTests
{
    public static TheoryData<string> CorruptConfigs => new()
    {
        """{"disks":[null]}""",
        """{"disks":[{"vdev":null,"is_cdrom":true}]}""",
        """{"disks":[{"vdev":"cd0","is_cdrom":true,"pdev_path":{"path":null,"fdset":1}}]}""",
        """{"disks":[{"vdev":"cd0","is_cdrom":true},{"vdev":"cd0","is_cdrom":true}]}""",
        """{"disks":[{"vdev":"cd0","is_cdrom":true,"pdev_path":{"path":"/a.iso","fdset":-1}}]}""",
        """{"disks":[{"vdev":"cd0","is_cdrom":true}]} trailing""",
        "null",
    };

    [Theory]
    [MemberData(nameof(CorruptConfigs))]
    public async Task Insert_AgainstACorruptConfig_ThrowsInvalidData_BeforeAnyQmpCall_AndLeavesTheFileByteIdentical(string text)
    {
        await using FakeCdromDomain fake = await FakeCdromDomain.StartAsync();
        byte[] before = fake.WriteConfig(text);
        string image = fake.Directory.Touch("install.iso");

        Exception? error = await Record.ExceptionAsync(() => CdromHotplug.InsertAsync(fake.Domain, "cd0", image, QmpTimeouts.MustCompleteToken()));

        InvalidDataException invalid = Assert.IsType<InvalidDataException>(error, exactMatch: false);
        Assert.Contains(fake.Userdata.JsonConfigPath, invalid.Message, StringComparison.Ordinal);
        Assert.Empty(fake.Commands);
        Assert.Equal(before, File.ReadAllBytes(fake.Userdata.JsonConfigPath));
        await AssertQmpLockFreeAsync(fake.Domain);
    }

    [Theory]
    [MemberData(nameof(CorruptConfigs))]
    public async Task Eject_AgainstACorruptConfig_ThrowsInvalidData_BeforeAnyQmpCall_AndLeavesTheFileByteIdentical(string text)
    {
        await using FakeCdromDomain fake = await FakeCdromDomain.StartAsync();
        byte[] before = fake.WriteConfig(text);

        Exception? error = await Record.ExceptionAsync(() => CdromHotplug.EjectAsync(fake.Domain, "cd0", ct: QmpTimeouts.MustCompleteToken()));

        InvalidDataException invalid = Assert.IsType<InvalidDataException>(error, exactMatch: false);
        Assert.Contains(fake.Userdata.JsonConfigPath, invalid.Message, StringComparison.Ordinal);
        Assert.Empty(fake.Commands);
        Assert.Equal(before, File.ReadAllBytes(fake.Userdata.JsonConfigPath));
        await AssertQmpLockFreeAsync(fake.Domain);
    }

    [Fact]
    public async Task Insert_IntoADiskThatIsNotACdrom_ThrowsNotACdrom_BeforeAnyQmpCall_AndLeavesTheConfigByteIdentical()
    {
        await using FakeCdromDomain fake = await FakeCdromDomain.StartAsync();
        byte[] before = fake.WriteConfig("""{"disks":[{"vdev":"hd0","is_cdrom":false,"pdev_path":{"path":"/images/root.img","fdset":2}}]}""");
        string image = fake.Directory.Touch("install.iso");

        Exception? error = await Record.ExceptionAsync(() => CdromHotplug.InsertAsync(fake.Domain, "hd0", image, QmpTimeouts.MustCompleteToken()));

        NotACdromException refused = Assert.IsType<NotACdromException>(error);
        Assert.Equal("hd0", refused.Device);
        Assert.IsAssignableFrom<InvalidOperationException>(refused);
        Assert.Empty(fake.Commands);
        Assert.Equal(before, File.ReadAllBytes(fake.Userdata.JsonConfigPath));
        await AssertQmpLockFreeAsync(fake.Domain);
    }

    [Fact]
    public async Task Eject_OfADiskThatIsNotACdrom_ThrowsNotACdrom_BeforeAnyQmpCall_AndLeavesTheConfigByteIdentical()
    {
        await using FakeCdromDomain fake = await FakeCdromDomain.StartAsync();
        byte[] before = fake.WriteConfig("""{"disks":[{"vdev":"hd0","pdev_path":{"path":"/images/root.img"}}]}""");

        Exception? error = await Record.ExceptionAsync(() => CdromHotplug.EjectAsync(fake.Domain, "hd0", ct: QmpTimeouts.MustCompleteToken()));

        Assert.IsType<NotACdromException>(error);
        Assert.Empty(fake.Commands);
        Assert.Equal(before, File.ReadAllBytes(fake.Userdata.JsonConfigPath));
    }

    [Fact]
    public async Task Insert_IntoADeviceWithoutARecord_RecordsItAsACdrom_BesideTheOtherDisks()
    {
        await using FakeCdromDomain fake = await FakeCdromDomain.StartAsync();
        fake.WriteConfig("""{"disks":[{"vdev":"hd0","pdev_path":{"path":"/images/root.img"}}]}""");
        string image = fake.Directory.Touch("install.iso");

        await CdromHotplug.InsertAsync(fake.Domain, "cd0", image, QmpTimeouts.MustCompleteToken());

        DomainConfig config = await fake.ReadConfigAsync();
        DiskConfig cd = Assert.IsType<DiskConfig>(config.FindDisk("cd0"));
        Assert.True(cd.IsCdrom);
        Assert.Equal(new MediumConfig { Path = image, FdSet = Assert.Single(fake.AddFds).FdsetId }, CdromState.WithoutToken(cd.Medium));
        DiskConfig hd = Assert.IsType<DiskConfig>(config.FindDisk("hd0"));
        Assert.False(hd.IsCdrom);
        Assert.Equal("/images/root.img", hd.Medium!.Path);
    }

    private static async Task AssertQmpLockFreeAsync(Domain domain)
    {
        using var wait = new CancellationTokenSource(CdromRig.LockTimeout);
        await using LockHandle slow = await domain.QmpLock!.LockAsync(wait.Token);
    }
}
