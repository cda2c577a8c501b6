using Mono.Unix.Native;

namespace Toolstack.Runtime;

/// <summary>
/// Opening the files of the lock directory safely: never through a symlink (<c>O_NOFOLLOW</c>),
/// never inherited by a child (<c>O_CLOEXEC</c>), and kept only when what was opened is a plain
/// file of ours (<see cref="Verify(int, string, string)"/>), so a file planted by someone else is never adopted.
/// </summary>
internal static class OwnFile
{
    internal const OpenFlags Safe = OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC;

    private const FilePermissions WritableByOthers = FilePermissions.S_IWGRP | FilePermissions.S_IWOTH;

    /// <summary>
    /// The effective uid, read once per process (issue 10: it was 4 geteuid calls per JsonLock round
    /// trip). The lock directory was checked against this uid when its DomainUserdata was made; a
    /// process that later changes its euid gets its new files refused (fail closed), not adopted.
    /// </summary>
    internal static readonly uint Euid = Syscall.geteuid();

    /// <summary>open(2) with <see cref="Safe"/> added, retried on EINTR; the descriptor, or -1 and the errno.</summary>
    internal static int TryOpen(string path, OpenFlags flags, out Errno errno)
    {
        const FilePermissions OwnerOnly = FilePermissions.S_IRUSR | FilePermissions.S_IWUSR;
        while (true)
        {
            int fd = Syscall.open(path, flags | Safe, OwnerOnly);
            if (fd >= 0)
            {
                errno = 0;
                return fd;
            }

            errno = Stdlib.GetLastError(); // once, at once
            if (errno != Errno.EINTR)
            {
                return -1;
            }
        }
    }

    /// <summary>Like <see cref="TryOpen"/>, then <see cref="Verify(int, string, string)"/>; throws and leaves nothing open on failure.</summary>
    /// <exception cref="LockDirectoryException">Cannot open (a symlink gives ELOOP), or not a plain file of ours.</exception>
    internal static int Open(string path, OpenFlags flags, string directory, string what) =>
        Open(path, flags, directory, what, out _);

    /// <summary>Like <see cref="Open(string, OpenFlags, string, string)"/>; also gives the identity of what was opened.</summary>
    internal static int Open(string path, OpenFlags flags, string directory, string what, out FileId id)
    {
        int fd = TryOpen(path, flags, out Errno errno);
        if (fd < 0)
        {
            throw PosixError.Exception(directory, $"Cannot {what} '{path}'", errno);
        }

        Verify(fd, path, directory, out id);
        return fd;
    }

    /// <summary>
    /// Keeps <paramref name="fd"/> only if it is a regular file owned by the effective user, with
    /// at most one link (none: a releasing holder unlinked it meanwhile) and writable by no one else; otherwise closes it and throws.
    /// </summary>
    /// <exception cref="LockDirectoryException">Someone else's file, a hard link, or not a regular file.</exception>
    internal static void Verify(int fd, string path, string directory) => Verify(fd, path, directory, out _);

    /// <summary>Like <see cref="Verify(int, string, string)"/>; also gives the identity from the same fstat.</summary>
    internal static void Verify(int fd, string path, string directory, out FileId id)
    {
        string? problem;
        if (Syscall.fstat(fd, out Stat stat) != 0)
        {
            Errno errno = Stdlib.GetLastError();
            LockFile.Close(fd);
            throw PosixError.Exception(directory, $"Cannot inspect '{path}'", errno);
        }

        problem = Problem(stat);
        if (problem is not null)
        {
            LockFile.Close(fd);
            throw new LockDirectoryException(directory, $"Refusing '{path}': {problem}; it was not created by this toolstack");
        }

        id = FileId.Of(stat);
    }

    /// <summary>Why a file with <paramref name="stat"/> is not a plain file of ours, or null.</summary>
    internal static string? Problem(in Stat stat) =>
        (stat.st_mode & FilePermissions.S_IFMT) != FilePermissions.S_IFREG ? "it is not a regular file"
        : stat.st_uid != Euid ? $"it is owned by uid {stat.st_uid}, not by uid {Euid}"
        : (stat.st_mode & WritableByOthers) != 0 ? "it is writable by group or others"
        : stat.st_nlink > 1 ? $"it has {stat.st_nlink} hard links" // 0 is fine: unlinked by a releasing holder meanwhile
        : null;

    /// <summary>Whether <paramref name="path"/> (not followed) names the inode open on <paramref name="fd"/>.</summary>
    /// <exception cref="LockDirectoryException">fstat or lstat failed other than with ENOENT.</exception>
    internal static bool NamesSameFile(int fd, string path, string directory)
    {
        if (Syscall.fstat(fd, out Stat open) != 0)
        {
            throw PosixError.Exception(directory, $"Cannot inspect lock file '{path}'", Stdlib.GetLastError());
        }

        return Names(FileId.Of(open), path, directory);
    }

    /// <summary>Whether <paramref name="path"/> (not followed) names the file <paramref name="id"/>: one lstat.</summary>
    /// <exception cref="LockDirectoryException">lstat failed other than with ENOENT.</exception>
    internal static bool Names(FileId id, string path, string directory)
    {
        if (Syscall.lstat(path, out Stat named) != 0)
        {
            Errno errno = Stdlib.GetLastError();
            if (errno == Errno.ENOENT)
            {
                return false;
            }

            throw PosixError.Exception(directory, $"Cannot inspect lock file '{path}'", errno);
        }

        return id == FileId.Of(named);
    }

    /// <summary>unlink(2); ENOENT is fine. Never follows a symlink (unlink removes the link itself).</summary>
    internal static void Remove(string path, string directory)
    {
        if (Syscall.unlink(path) != 0)
        {
            Errno errno = Stdlib.GetLastError();
            if (errno != Errno.ENOENT)
            {
                throw PosixError.Exception(directory, $"Cannot remove '{path}'", errno);
            }
        }
    }
}
