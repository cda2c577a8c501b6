using System.Collections.Immutable;
using Toolstack.Runtime.Tests.Locking;

namespace Toolstack.Runtime.Tests.Hotplug;

public sealed class DomainConfigFileTests : IDisposable
{
    private readonly TempLockDirectory _dir = new();
    private readonly DomainUserdata _domain;
    private readonly JsonLock _json;

    public DomainConfigFileTests()
    {
        _domain = new DomainUserdata(_dir.Path, "5.vm");
        _domain.Create();
        _json = new JsonLock(_domain);
    }

    public void Dispose() => _dir.Dispose();

    private static DomainConfig Sample() => DomainConfig.Empty
        .WithDisk(new DiskConfig
        {
            Device = "cd0",
            IsCdrom = true,
            Medium = new MediumConfig { Path = "/images/a.iso", FdSet = 3 },
            Pending = new MediumConfig { Path = "/images/b.iso", FdSet = 4 },
        })
        .WithDisk(new DiskConfig { Device = "hd0" });

    [Fact]
    public void Read_NothingWrittenYet_IsEmpty()
    {
        using LockHandle json = _json.Lock();

        DomainConfig config = DomainConfigFile.Read(json);

        Assert.Empty(config.Disks);
    }

    [Fact]
    public void WriteThenRead_RoundTripsEveryField()
    {
        using LockHandle json = _json.Lock();
        DomainConfigFile.Write(json, Sample());

        DomainConfig read = DomainConfigFile.Read(json);

        DiskConfig cdrom = Assert.IsType<DiskConfig>(read.FindDisk("cd0"));
        Assert.True(cdrom.IsCdrom);
        Assert.Equal(Sample().FindDisk("cd0")!.Medium, cdrom.Medium);
        Assert.Equal(Sample().FindDisk("cd0")!.Pending, cdrom.Pending);
        Assert.Equal("/dev/fdset/3", cdrom.Medium!.QemuFileName);
        Assert.NotNull(read.FindDisk("hd0"));
        Assert.Null(read.FindDisk("hd0")!.Medium);
    }

    [Fact]
    public void Write_FileIsOwnerOnlyAndNoTemporaryIsLeft()
    {
        using (LockHandle json = _json.Lock())
        {
            DomainConfigFile.Write(json, Sample());
        }

        Assert.Equal(Mono.Unix.Native.FilePermissions.S_IRUSR | Mono.Unix.Native.FilePermissions.S_IWUSR, TempLockDirectory.PermissionsOf(_domain.JsonConfigPath));
        Assert.DoesNotContain(Directory.GetFiles(_dir.Path), f => f.Contains(".tmp-", StringComparison.Ordinal));
    }

    [Fact]
    public void Write_Again_ReplacesTheWholeConfig()
    {
        using LockHandle json = _json.Lock();
        DomainConfigFile.Write(json, Sample());

        DomainConfigFile.Write(json, DomainConfig.Empty.WithDisk(new DiskConfig { Device = "cd1", IsCdrom = true }));

        DomainConfig read = DomainConfigFile.Read(json);
        Assert.Equal("cd1", Assert.Single(read.Disks).Device);
    }

    [Fact]
    public void Read_ReleasedHandle_ThrowsArgumentException()
    {
        LockHandle json = _json.Lock();
        json.Dispose();

        Assert.Throws<ArgumentException>(() => DomainConfigFile.Read(json));
    }

    [Fact]
    public void Write_HandleOfAnotherLockType_ThrowsArgumentExceptionAndWritesNothing()
    {
        var vm = new DomainLock("vm");
        using LockHandle handle = vm.Lock();

        Assert.Throws<ArgumentException>(() => DomainConfigFile.Write(handle, Sample()));
        Assert.False(File.Exists(_domain.JsonConfigPath));
    }

    [Fact]
    public void Read_CorruptFile_ThrowsInvalidDataExceptionNamingTheFile()
    {
        File.WriteAllText(_domain.JsonConfigPath, "{ \"disks\": [ { \"vdev\": ");
        using LockHandle json = _json.Lock();

        var error = Assert.Throws<InvalidDataException>(() => DomainConfigFile.Read(json));

        Assert.Contains(_domain.JsonConfigPath, error.Message);
    }

    [Fact]
    public void WithDisk_SameDevice_Replaces_Describes_MatchesMediumAndPending()
    {
        DomainConfig config = Sample();

        Assert.True(config.Describes("cd0", "/dev/fdset/3"));
        Assert.True(config.Describes("cd0", "/dev/fdset/4"));
        Assert.False(config.Describes("cd0", "/dev/fdset/5"));
        Assert.False(config.Describes("cd9", "/dev/fdset/3"));

        DomainConfig replaced = config.WithDisk(new DiskConfig { Device = "cd0", IsCdrom = true });
        Assert.Equal(2, replaced.Disks.Length);
        Assert.False(replaced.Describes("cd0", "/dev/fdset/3"));
        Assert.Equal(ImmutableArray<DiskConfig>.Empty, DomainConfig.Empty.Disks);
    }
}
