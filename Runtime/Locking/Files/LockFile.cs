using Mono.Unix.Native;

namespace Toolstack.Runtime;

/// <summary>
/// One per-domain lock file, taken with libxl's protocol (libxl__lock_file): open, flock, then
/// check that the path still names the locked inode (the previous holder or a destroy may have
/// unlinked it); release by unlinking, then closing, so waiters notice and retry.
/// </summary>
internal sealed class LockFile
{
    private readonly DomainUserdata _domain;

    internal LockFile(DomainUserdata domain, string path)
    {
        _domain = domain;
        Path = path;
    }

    internal enum Attempt
    {
        Acquired,
        Busy,
        RetryNow,
    }

    internal string Path { get; }

    /// <summary>Waits in flock(LOCK_EX) until the lock is ours; returns the locked descriptor.</summary>
    internal int AcquireBlocking()
    {
        while (true)
        {
            _domain.ThrowIfGone();
            int fd = Open();
            int errno = Flock.Lock(fd, Flock.Exclusive);
            if (errno != 0)
            {
                Close(fd);
                throw Failure("lock", errno);
            }

            if (Settle(fd))
            {
                return fd;
            }
        }
    }

    /// <summary>
    /// One non-blocking try. <paramref name="fd"/> carries the open lock file between tries
    /// (-1 when none); it is the locked descriptor after <see cref="Attempt.Acquired"/>, and
    /// closed (-1) after <see cref="Attempt.RetryNow"/> or an exception.
    /// </summary>
    internal Attempt TryAcquire(ref int fd)
    {
        if (fd < 0)
        {
            _domain.ThrowIfGone();
            fd = Open();
        }

        int errno = Flock.Lock(fd, Flock.Exclusive | Flock.NonBlocking);
        if (errno == Flock.EWOULDBLOCK)
        {
            bool same;
            try
            {
                same = NamesSameFile(fd);
            }
            catch
            {
                Close(fd);
                fd = -1;
                throw;
            }

            if (same)
            {
                return Attempt.Busy;
            }

            // Released or destroyed meanwhile: the holder unlinked the file we wait on.
            Close(fd);
            fd = -1;
            return Attempt.RetryNow;
        }

        if (errno != 0)
        {
            Close(fd);
            fd = -1;
            throw Failure("lock", errno);
        }

        int locked = fd;
        fd = -1;
        if (Settle(locked))
        {
            fd = locked;
            return Attempt.Acquired;
        }

        return Attempt.RetryNow;
    }

    /// <summary>Gives the lock up: unlink, then close, as libxl does.</summary>
    internal void Release(int fd)
    {
        if (Syscall.unlink(Path) != 0)
        {
            Errno errno = Stdlib.GetLastError();
            if (errno != Errno.ENOENT)
            {
                // Still release the lock itself; the stale file is harmless to the protocol.
                Close(fd);
                throw Failure("remove", NativeConvert.FromErrno(errno));
            }
        }

        Close(fd);
    }

    internal static void Close(int fd)
    {
        // close(2) must not be retried on EINTR on Linux: the descriptor is gone either way.
        Syscall.close(fd);
    }

    /// <summary>
    /// After flock succeeded on <paramref name="fd"/>: true when it is really ours; otherwise the
    /// descriptor is closed (false: try again), or the lock given up because the domain is gone.
    /// </summary>
    private bool Settle(int fd)
    {
        bool same;
        try
        {
            same = NamesSameFile(fd);
        }
        catch
        {
            Close(fd);
            throw;
        }

        if (!same)
        {
            Close(fd);
            return false;
        }

        if (!_domain.Exists)
        {
            Release(fd);
            throw new DomainGoneException(_domain.DomainId);
        }

        return true;
    }

    private int Open()
    {
        while (true)
        {
            int fd = Syscall.open(Path, OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_CLOEXEC,
                FilePermissions.S_IRUSR | FilePermissions.S_IWUSR);
            if (fd >= 0)
            {
                return fd;
            }

            Errno errno = Stdlib.GetLastError();
            if (errno != Errno.EINTR)
            {
                throw Failure("create or open", NativeConvert.FromErrno(errno));
            }
        }
    }

    /// <summary>Whether the path still names the inode open on <paramref name="fd"/>.</summary>
    private bool NamesSameFile(int fd)
    {
        if (Syscall.fstat(fd, out Stat open) != 0)
        {
            throw Failure("inspect", NativeConvert.FromErrno(Stdlib.GetLastError()));
        }

        if (Syscall.stat(Path, out Stat named) != 0)
        {
            Errno errno = Stdlib.GetLastError();
            if (errno == Errno.ENOENT)
            {
                return false;
            }

            throw Failure("inspect", NativeConvert.FromErrno(errno));
        }

        return open.st_dev == named.st_dev && open.st_ino == named.st_ino;
    }

    private LockDirectoryException Failure(string action, int errno) =>
        PosixError.Exception(_domain.LockDirectory, $"Cannot {action} lock file '{Path}'", errno);
}
