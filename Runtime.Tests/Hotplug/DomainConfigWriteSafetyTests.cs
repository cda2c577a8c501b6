using System.IO;
using Mono.Unix.Native;
using Toolstack.Runtime.Tests.Locking;

namespace Toolstack.Runtime.Tests.Hotplug;

/// <summary>
/// The config write never follows or adopts a planted file, and a JsonLock holder from before a
/// destroy can neither read nor write the config of the domain re-created after it.
/// </summary>
public sealed class DomainConfigWriteSafetyTests : IDisposable
{
    private const uint Nobody = 65534;

    private readonly TempLockDirectory _dir = new();
    private readonly TempLockDirectory _elsewhere = new();

    public void Dispose()
    {
        _dir.Dispose();
        _elsewhere.Dispose();
    }

    private static DomainConfig Named(string device) =>
        DomainConfig.Empty.WithDisk(new DiskConfig { Device = device, IsCdrom = true });

    private string OldTemporaryName(DomainUserdata domain) =>
        domain.JsonConfigPath + ".tmp-" + Environment.ProcessId;

    [Fact]
    public void Write_StaleHolderAfterDestroyAndRecreate_ThrowsDomainGoneAndKeepsNewConfig()
    {
        DomainUserdata domain = _dir.Domain("web1");
        var aLock = new JsonLock(domain);
        LockHandle a = aLock.Lock();
        domain.Destroy();
        domain.Create();
        using (LockHandle b = new JsonLock(domain).Lock())
        {
            DomainConfigFile.Write(b, Named("new"));
        }

        Assert.Throws<DomainGoneException>(() => DomainConfigFile.Write(a, Named("stale")));

        using (LockHandle c = new JsonLock(domain).Lock())
        {
            Assert.Equal("new", Assert.Single(DomainConfigFile.Read(c).Disks).Device);
        }

        Assert.DoesNotContain(_dir.Entries(), n => n.Contains(".tmp-", StringComparison.Ordinal));
        aLock.Unlock(a);
    }

    [Fact]
    public void Write_StaleHolderAfterDestroyAndRecreate_DoesNotCreateTheNewDomainsConfig()
    {
        DomainUserdata domain = _dir.Domain("web1");
        var aLock = new JsonLock(domain);
        LockHandle a = aLock.Lock();
        domain.Destroy();
        domain.Create();

        Assert.Throws<DomainGoneException>(() => DomainConfigFile.Write(a, Named("stale")));

        Assert.False(File.Exists(domain.JsonConfigPath));
        Assert.DoesNotContain(_dir.Entries(), n => n.Contains(".tmp-", StringComparison.Ordinal));
        aLock.Unlock(a);
    }

    [Fact]
    public void Write_StaleHolderAfterDestroy_DoesNotResurrectTheConfig()
    {
        DomainUserdata domain = _dir.Domain("web1");
        var aLock = new JsonLock(domain);
        LockHandle a = aLock.Lock();
        domain.Destroy();

        Assert.Throws<DomainGoneException>(() => DomainConfigFile.Write(a, Named("stale")));

        aLock.Unlock(a);
        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public void Read_StaleHolderAfterDestroyAndRecreate_ThrowsDomainGone()
    {
        DomainUserdata domain = _dir.Domain("web1");
        var aLock = new JsonLock(domain);
        LockHandle a = aLock.Lock();
        domain.Destroy();
        domain.Create();
        using (LockHandle b = new JsonLock(domain).Lock())
        {
            DomainConfigFile.Write(b, Named("new"));
        }

        Assert.Throws<DomainGoneException>(() => DomainConfigFile.Read(a));
        aLock.Unlock(a);
    }

    [Fact]
    public void Write_SymlinkPlantedAtTheOldTemporaryName_VictimUnchanged()
    {
        DomainUserdata domain = _dir.Domain("web1");
        string victim = Path.Combine(_elsewhere.Path, "victim");
        File.WriteAllText(victim, "precious");
        Assert.Equal(0, Syscall.symlink(victim, OldTemporaryName(domain)));

        using (LockHandle json = new JsonLock(domain).Lock())
        {
            DomainConfigFile.Write(json, Named("cd0"));
            Assert.Equal("cd0", Assert.Single(DomainConfigFile.Read(json).Disks).Device);
        }

        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.Equal(FilePermissions.S_IFREG, Lstat(domain.JsonConfigPath).st_mode & FilePermissions.S_IFMT);
    }

    [Fact]
    public void Write_FilePlantedByAnotherUserAtTheOldTemporaryName_ConfigIsOursAndOwnerOnly()
    {
        DomainUserdata domain = _dir.Domain("web1");
        string planted = OldTemporaryName(domain);
        File.WriteAllText(planted, "attacker");
        Assert.Equal(0, Syscall.chown(planted, Nobody, Nobody));
        Assert.Equal(0, Syscall.chmod(planted, FilePermissions.DEFFILEMODE));

        using (LockHandle json = new JsonLock(domain).Lock())
        {
            DomainConfigFile.Write(json, Named("cd0"));
        }

        Stat config = Lstat(domain.JsonConfigPath);
        Assert.Equal(Syscall.geteuid(), config.st_uid);
        Assert.Equal(FilePermissions.S_IRUSR | FilePermissions.S_IWUSR, config.st_mode & FilePermissions.ACCESSPERMS);
    }

    [Fact]
    public void Read_ConfigIsSymlinkToAVictim_RefusedWithoutReadingIt()
    {
        DomainUserdata domain = _dir.Domain("web1");
        string victim = Path.Combine(_elsewhere.Path, "victim.json");
        File.WriteAllText(victim, "{ \"Disks\": [] }");
        Assert.Equal(0, Syscall.symlink(victim, domain.JsonConfigPath));

        using LockHandle json = new JsonLock(domain).Lock();

        Assert.Throws<LockDirectoryException>(() => DomainConfigFile.Read(json));
    }

    [Fact]
    public void Read_ConfigPlantedByAnotherUser_Refused()
    {
        DomainUserdata domain = _dir.Domain("web1");
        File.WriteAllText(domain.JsonConfigPath, "{ \"Disks\": [] }");
        Assert.Equal(0, Syscall.chown(domain.JsonConfigPath, Nobody, Nobody));

        using LockHandle json = new JsonLock(domain).Lock();

        Assert.Throws<LockDirectoryException>(() => DomainConfigFile.Read(json));
    }

    [Fact]
    public void Write_ConfigIsSymlinkToAVictim_ReplacesTheLinkNotTheVictim()
    {
        DomainUserdata domain = _dir.Domain("web1");
        string victim = Path.Combine(_elsewhere.Path, "victim.json");
        File.WriteAllText(victim, "precious");
        Assert.Equal(0, Syscall.symlink(victim, domain.JsonConfigPath));

        using (LockHandle json = new JsonLock(domain).Lock())
        {
            DomainConfigFile.Write(json, Named("cd0"));
        }

        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.Equal(FilePermissions.S_IFREG, Lstat(domain.JsonConfigPath).st_mode & FilePermissions.S_IFMT);
    }

    private static Stat Lstat(string path)
    {
        Assert.Equal(0, Syscall.lstat(path, out Stat stat));
        return stat;
    }
}
