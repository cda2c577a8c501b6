using System;
using Mono.Unix.Native;

namespace Toolstack.Runtime;

/// <summary>
/// The lock directory's own lock (<see cref="FileName"/>, never unlinked), held for a few
/// syscalls only: every unlink or rename of a domain file by this toolstack happens under it.
/// </summary>
/// <remarks>
/// While it is held, no toolstack process can unlink a lock file or create a new one where an old
/// one still is, so "the path still names the inode I hold, then unlink it" is atomic for every
/// toolstack process. Order: a lock file may be held when the guard is taken, never the converse
/// (nothing waits for a lock file under the guard), so the guard adds no deadlock. libxl does not
/// take it.
/// </remarks>
internal sealed class DirectoryGuard : IDisposable
{
    /// <summary>The guard's file in the lock directory.</summary>
    internal const string FileName = "toolstack-directory-lock";

    private int _fd;

    private DirectoryGuard(int fd) => _fd = fd;

    /// <summary>Opens and locks the guard of <paramref name="domain"/>'s lock directory, waiting for other holders.</summary>
    /// <exception cref="LockDirectoryException">The guard cannot be created, is not a plain file of ours, or cannot be locked.</exception>
    internal static DirectoryGuard Take(DomainUserdata domain)
    {
        string directory = domain.LockDirectory;
        string path = domain.GuardPath;
        int fd = OwnFile.Open(path, OpenFlags.O_RDWR | OpenFlags.O_CREAT, directory, "create or open directory guard");
        int errno = Flock.Lock(fd, Flock.Exclusive);
        if (errno != 0)
        {
            LockFile.Close(fd);
            throw PosixError.Exception(directory, $"Cannot lock directory guard '{path}'", errno);
        }

        return new DirectoryGuard(fd);
    }

    /// <summary>Drops the guard (closing its only descriptor releases the flock).</summary>
    public void Dispose()
    {
        int fd = _fd;
        _fd = -1;
        if (fd >= 0)
        {
            LockFile.Close(fd);
        }
    }
}
