using System.IO;
using Mono.Unix.Native;

namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// A fresh, empty lock directory under the system temp directory, owner-only (0700, as a lock
/// directory must be safe), deleted on Dispose.
/// </summary>
internal sealed class TempLockDirectory : IDisposable
{
    public TempLockDirectory()
    {
        Path = Directory.CreateTempSubdirectory("toolstack-locks-").FullName;
        Assert.Equal(0, Syscall.chmod(Path, FilePermissions.S_IRWXU));
    }

    /// <summary>The directory's absolute path.</summary>
    public string Path { get; }

    /// <summary>
    /// The names of the entries in the directory, sorted; without the directory guard, which
    /// belongs to the directory (never unlinked), not to any domain.
    /// </summary>
    public string[] Entries()
    {
        string[] names = Directory.EnumerateFileSystemEntries(Path)
            .Select(p => System.IO.Path.GetFileName(p))
            .Where(n => n != DirectoryGuard.FileName)
            .ToArray();
        Array.Sort(names, StringComparer.Ordinal);
        return names;
    }

    /// <summary>A domain in this directory; created (so its locks can be taken) unless told otherwise.</summary>
    public DomainUserdata Domain(string id = "vm1", bool create = true)
    {
        var domain = new DomainUserdata(Path, id);
        if (create)
        {
            domain.Create();
        }

        return domain;
    }

    /// <summary>Creates an empty file named <paramref name="name"/> in the directory.</summary>
    public string Touch(string name)
    {
        string path = System.IO.Path.Combine(Path, name);
        File.WriteAllBytes(path, []);
        return path;
    }

    /// <summary>The permission bits (ACCESSPERMS) of the file <paramref name="path"/> names, as stat(2) reports them.</summary>
    public static FilePermissions PermissionsOf(string path)
    {
        Assert.True(Syscall.stat(path, out Stat stat) == 0, $"stat {path}: {Stdlib.GetLastError()}");
        return stat.st_mode & FilePermissions.ACCESSPERMS;
    }

    public void Dispose()
    {
        try
        {
            // A test may have left the directory read-only (non-root runs).
            Syscall.chmod(Path, FilePermissions.S_IRWXU);
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
