namespace Toolstack.Runtime.Tests.Hotplug;

public sealed class DomainConfigTests
{
    private static readonly DomainConfig s_two = DomainConfig.Empty
        .WithDisk(new DiskConfig { Device = "cd0", IsCdrom = true, Medium = new MediumConfig { Path = "/a.iso", FdSet = 1 } })
        .WithDisk(new DiskConfig { Device = "hd0" });

    [Fact]
    public void WithoutDisk_RemovesOnlyThatDevice()
    {
        DomainConfig without = s_two.WithoutDisk("cd0");

        Assert.Equal("hd0", Assert.Single(without.Disks).Device);
        Assert.Equal(2, s_two.Disks.Length);
    }

    [Fact]
    public void WithoutDisk_OfAnUnknownDevice_IsTheSameConfig()
    {
        Assert.Same(s_two, s_two.WithoutDisk("cd9"));
    }

    [Fact]
    public void Describes_MediumOrPending_ByQemuFileName()
    {
        DomainConfig config = s_two.WithDisk(s_two.FindDisk("cd0")! with { Pending = new MediumConfig { Path = "/b.iso", FdSet = 2 } });

        Assert.True(config.Describes("cd0", "/dev/fdset/1"));
        Assert.True(config.Describes("cd0", "/dev/fdset/2"));
        Assert.False(config.Describes("cd0", "/dev/fdset/3"));
        Assert.False(config.Describes("hd0", "/dev/fdset/1"));
        Assert.False(config.Describes("cd9", "/dev/fdset/1"));
    }
}
