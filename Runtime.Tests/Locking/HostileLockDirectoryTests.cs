using System.IO;
using Mono.Unix.Native;

namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// Symlinks and files planted in the lock directory are never followed, adopted or written, and
/// a directory that others can write into is refused before any file is touched.
/// </summary>
public sealed class HostileLockDirectoryTests : IDisposable
{
    private const uint Nobody = 65534;

    private readonly TempLockDirectory _dir = new();
    private readonly TempLockDirectory _elsewhere = new();

    public void Dispose()
    {
        _dir.Dispose();
        _elsewhere.Dispose();
    }

    private string Victim(string content = "precious")
    {
        string victim = Path.Combine(_elsewhere.Path, "victim");
        File.WriteAllText(victim, content);
        return victim;
    }

    private static void Symlink(string target, string path) => Assert.Equal(0, Syscall.symlink(target, path));

    private static void OwnedByNobody(string path, FilePermissions mode)
    {
        Assert.Equal(0, Syscall.chown(path, Nobody, Nobody));
        Assert.Equal(0, Syscall.chmod(path, mode));
    }

    private const FilePermissions Mode666 = FilePermissions.S_IRUSR | FilePermissions.S_IWUSR | FilePermissions.S_IRGRP
        | FilePermissions.S_IWGRP | FilePermissions.S_IROTH | FilePermissions.S_IWOTH;

    // ---- lock files ----

    [Fact]
    public void JsonLock_LockFileIsDanglingSymlink_RefusedAndTargetNeverCreated()
    {
        DomainUserdata domain = _dir.Domain();
        string target = Path.Combine(_elsewhere.Path, "created-by-attacker-choice");
        Symlink(target, domain.JsonLockPath);

        Assert.Throws<LockDirectoryException>(() => new JsonLock(domain).Lock());

        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task QmpLock_LockFileIsDanglingSymlink_RefusedAndTargetNeverCreated()
    {
        DomainUserdata domain = _dir.Domain();
        string target = Path.Combine(_elsewhere.Path, "created-by-attacker-choice");
        Symlink(target, domain.QmpLockPath);

        await Assert.ThrowsAsync<LockDirectoryException>(async () => await new QmpLock(domain).LockAsync());

        Assert.False(File.Exists(target));
    }

    [Fact]
    public void JsonLock_LockFileIsSymlinkToVictim_RefusedVictimUnchangedAndUnlocked()
    {
        DomainUserdata domain = _dir.Domain();
        string victim = Victim();
        Symlink(victim, domain.JsonLockPath);

        Assert.Throws<LockDirectoryException>(() => new JsonLock(domain).Lock());

        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.Equal(0, FlockTool.TryLockOnce(victim));
    }

    [Fact]
    public void JsonLock_LockFilePlantedByAnotherUser_Refused()
    {
        DomainUserdata domain = _dir.Domain();
        File.WriteAllBytes(domain.JsonLockPath, []);
        OwnedByNobody(domain.JsonLockPath, Mode666);

        var e = Assert.Throws<LockDirectoryException>(() => new JsonLock(domain).Lock());

        Assert.Contains(domain.JsonLockPath, e.Message, StringComparison.Ordinal);
        Assert.Equal(0, FlockTool.TryLockOnce(domain.JsonLockPath));
    }

    [Fact]
    public void JsonLock_LockFileIsADirectoryOwnedByUs_Refused()
    {
        DomainUserdata domain = _dir.Domain();
        Directory.CreateDirectory(domain.JsonLockPath);

        Assert.Throws<LockDirectoryException>(() => new JsonLock(domain).Lock());
    }

    [Fact]
    public void DirectoryGuardIsDanglingSymlink_DestroyRefusedTargetNeverCreated_ReleaseStillFreesTheLock()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        LockHandle handle = json.Lock();
        string target = Path.Combine(_elsewhere.Path, "guard-target");
        Symlink(target, Path.Combine(_dir.Path, "toolstack-directory-lock"));

        Assert.Throws<LockDirectoryException>(domain.Destroy);
        Assert.Throws<LockDirectoryException>(() => json.Unlock(handle));

        Assert.False(File.Exists(target));
        Assert.False(handle.IsHeld);
        Assert.Equal(0, FlockTool.TryLockOnce(domain.JsonLockPath)); // the descriptor was closed anyway
    }

    // ---- the record ----

    [Fact]
    public void Create_RecordIsDanglingSymlink_RefusedAndTargetNeverCreated()
    {
        var domain = new DomainUserdata(_dir.Path, "vm1");
        string target = Path.Combine(_elsewhere.Path, "record-target");
        Symlink(target, domain.RecordPath);

        Assert.Throws<LockDirectoryException>(domain.Create);

        Assert.False(File.Exists(target));
    }

    [Fact]
    public void Exists_RecordIsSymlinkToAFile_Refused()
    {
        var domain = new DomainUserdata(_dir.Path, "vm1");
        Symlink(Victim(), domain.RecordPath);

        Assert.Throws<LockDirectoryException>(() => domain.Exists);
    }

    [Fact]
    public void Exists_RecordPlantedByAnotherUser_Refused()
    {
        var domain = new DomainUserdata(_dir.Path, "vm1");
        File.WriteAllBytes(domain.RecordPath, []);
        OwnedByNobody(domain.RecordPath, Mode666);

        Assert.Throws<LockDirectoryException>(() => domain.Exists);
    }

    // ---- the directory ----

    [Fact]
    public void Ctor_WorldWritableDirectoryWithoutStickyBit_Refused()
    {
        Assert.Equal(0, Syscall.chmod(_dir.Path, FilePermissions.ACCESSPERMS));

        var e = Assert.Throws<LockDirectoryException>(() => new DomainUserdata(_dir.Path, "vm1"));

        Assert.Contains("writable", e.Message, StringComparison.Ordinal);
        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public void Ctor_GroupWritableDirectory_Refused()
    {
        Assert.Equal(0, Syscall.chmod(_dir.Path, FilePermissions.S_IRWXU | FilePermissions.S_IRWXG));

        Assert.Throws<LockDirectoryException>(() => new DomainUserdata(_dir.Path, "vm1"));
    }

    [Fact]
    public void Ctor_StickyWorldWritableDirectory_Accepted()
    {
        Assert.Equal(0, Syscall.chmod(_dir.Path, FilePermissions.ACCESSPERMS | FilePermissions.S_ISVTX));

        DomainUserdata domain = _dir.Domain();

        using LockHandle json = new JsonLock(domain).Lock();
        Assert.True(json.IsHeld);
    }

    [Fact]
    public void Ctor_DirectoryOwnedByAnotherUser_Refused()
    {
        Assert.Equal(0, Syscall.chown(_dir.Path, Nobody, Nobody));

        var e = Assert.Throws<LockDirectoryException>(() => new DomainUserdata(_dir.Path, "vm1"));

        Assert.Contains("owned", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ctor_ParentWorldWritableWithoutStickyBit_Refused()
    {
        // Whoever can write the parent can rename the lock directory away and plant their own.
        string child = Directory.CreateDirectory(Path.Combine(_dir.Path, "locks")).FullName;
        Assert.Equal(0, Syscall.chmod(child, FilePermissions.S_IRWXU));
        Assert.Equal(0, Syscall.chmod(_dir.Path, FilePermissions.ACCESSPERMS));

        Assert.Throws<LockDirectoryException>(() => new DomainUserdata(child, "vm1"));
    }

    [Fact]
    public void Ctor_DirectoryIsOurSymlinkToASafeDirectory_ResolvedOnce()
    {
        string link = Path.Combine(_dir.Path, "link");
        Symlink(_elsewhere.Path, link);

        var domain = new DomainUserdata(link, "vm1");

        Assert.Equal(_elsewhere.Path, domain.LockDirectory);
        Assert.StartsWith(_elsewhere.Path + "/", domain.JsonLockPath, StringComparison.Ordinal);
    }

    [Fact]
    public void Ctor_DirectoryIsSymlinkOwnedByAnotherUser_Refused()
    {
        string link = Path.Combine(_dir.Path, "link");
        Symlink(_elsewhere.Path, link);
        Assert.Equal(0, Syscall.lchown(link, Nobody, Nobody));

        Assert.Throws<LockDirectoryException>(() => new DomainUserdata(link, "vm1"));
    }

    [Fact]
    public void Ctor_DirectoryIsSymlinkToAWorldWritableDirectory_Refused()
    {
        string link = Path.Combine(_dir.Path, "link");
        Symlink(_elsewhere.Path, link);
        Assert.Equal(0, Syscall.chmod(_elsewhere.Path, FilePermissions.ACCESSPERMS));

        Assert.Throws<LockDirectoryException>(() => new DomainUserdata(link, "vm1"));
    }

    [Fact]
    public void TempLockDirectory_IsOwnerOnly()
    {
        Assert.Equal(FilePermissions.S_IRWXU, TempLockDirectory.PermissionsOf(_dir.Path));
    }
}
