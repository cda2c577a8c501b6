using Mono.Unix.Native;
using Toolstack.Runtime.Tests.Locking;

namespace Toolstack.Runtime.Tests.Hotplug;

/// <summary>
/// A config write killed before its rename leaves its temporary file; the next write of the same
/// domain removes it (under the JsonLock, so no live writer of the domain is using it), and
/// leaves every look-alike alone: another domain's, someone else's, a symlink, a directory.
/// </summary>
public sealed class DomainConfigLeftoverTests : IDisposable
{
    private const uint Nobody = 65534;
    private const string Hex32 = "0123456789abcdef0123456789abcdef";

    private readonly TempLockDirectory _dir = new();
    private readonly TempLockDirectory _elsewhere = new();

    public void Dispose()
    {
        _dir.Dispose();
        _elsewhere.Dispose();
    }

    [Fact]
    public void Write_RemovesTheTemporaryFilesOfThisDomainsKilledWrites()
    {
        DomainUserdata domain = _dir.Domain("7.web");
        string random = Plant(domain.JsonConfigPath + ".tmp-" + Hex32);
        string oldStyle = Plant(domain.JsonConfigPath + ".tmp-12345");

        Write(domain, "cd0");

        Assert.False(File.Exists(random), "the random-named leftover stayed");
        Assert.False(File.Exists(oldStyle), "the .tmp-<pid> leftover stayed");
        Assert.Equal([Path.GetFileName(domain.JsonConfigPath), Path.GetFileName(domain.RecordPath)], _dir.Entries());
    }

    [Fact]
    public void Write_LeavesLookAlikesOfOtherDomainsAndOtherOwnersAlone()
    {
        DomainUserdata domain = _dir.Domain("7.web");
        DomainUserdata other = _dir.Domain("7.web.x");
        string victim = Path.Combine(_elsewhere.Path, "victim");
        File.WriteAllText(victim, "precious");
        string othersLeftover = Plant(other.JsonConfigPath + ".tmp-" + Hex32);
        string shortTail = Plant(domain.JsonConfigPath + ".tmp-" + Hex32[..31]);
        string upperHex = Plant(domain.JsonConfigPath + ".tmp-" + Hex32.ToUpperInvariant());
        string notHex = Plant(domain.JsonConfigPath + ".tmp-notours");
        string someoneElses = Plant(domain.JsonConfigPath + ".tmp-" + new string('f', 32));
        Assert.Equal(0, Syscall.chown(someoneElses, Nobody, Nobody));
        string groupWritable = Plant(domain.JsonConfigPath + ".tmp-" + new string('e', 32));
        Assert.Equal(0, Syscall.chmod(groupWritable, FilePermissions.S_IRUSR | FilePermissions.S_IWUSR | FilePermissions.S_IWGRP));
        string link = domain.JsonConfigPath + ".tmp-" + new string('d', 32);
        Assert.Equal(0, Syscall.symlink(victim, link));
        string directory = Directory.CreateDirectory(domain.JsonConfigPath + ".tmp-" + new string('c', 32)).FullName;
        string hardLinked = Plant(domain.JsonConfigPath + ".tmp-" + new string('b', 32));
        Assert.Equal(0, Syscall.link(hardLinked, Path.Combine(_dir.Path, "hardlink-elsewhere")));

        Write(domain, "cd0");

        foreach (string kept in new[] { othersLeftover, shortTail, upperHex, notHex, someoneElses, groupWritable, hardLinked })
        {
            Assert.True(File.Exists(kept), $"{Path.GetFileName(kept)} was removed");
        }

        Assert.Equal(0, Syscall.lstat(link, out Stat linkStat));
        Assert.Equal(FilePermissions.S_IFLNK, linkStat.st_mode & FilePermissions.S_IFMT);
        Assert.True(Directory.Exists(directory));
        Assert.Equal("precious", File.ReadAllText(victim));
    }

    [Fact]
    public void Write_OfAnotherDomain_LeavesThisDomainsLeftoverForItsOwnNextWrite()
    {
        DomainUserdata domain = _dir.Domain("7.web");
        DomainUserdata other = _dir.Domain("8.db");
        string leftover = Plant(domain.JsonConfigPath + ".tmp-" + Hex32);

        Write(other, "cd0");
        Assert.True(File.Exists(leftover));

        Write(domain, "cd0");
        Assert.False(File.Exists(leftover));
    }

    [Fact]
    public void Write_ByAStaleHolderAfterDestroyAndRecreate_RemovesNothingOfTheNewDomain()
    {
        DomainUserdata domain = _dir.Domain("7.web");
        var staleLock = new JsonLock(domain);
        LockHandle stale = staleLock.Lock();
        domain.Destroy();
        domain.Create();
        // Stands for a temporary file a live writer of the re-created domain has not renamed yet.
        string inFlight = Plant(domain.JsonConfigPath + ".tmp-" + Hex32);

        Assert.Throws<DomainGoneException>(() => DomainConfigFile.Write(stale, DomainConfig.Empty));

        Assert.True(File.Exists(inFlight));
        staleLock.Unlock(stale);
    }

    private static void Write(DomainUserdata domain, string device)
    {
        using LockHandle json = new JsonLock(domain).Lock();
        DomainConfigFile.Write(json, DomainConfig.Empty.WithDisk(new DiskConfig { Device = device, IsCdrom = true }));
    }

    /// <summary>A file as a killed write leaves it: ours, mode 0600, some bytes.</summary>
    private static string Plant(string path)
    {
        File.WriteAllText(path, "{\"disks\":[");
        Assert.Equal(0, Syscall.chmod(path, FilePermissions.S_IRUSR | FilePermissions.S_IWUSR));
        return path;
    }
}
