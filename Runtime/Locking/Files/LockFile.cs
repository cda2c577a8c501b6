using Mono.Unix.Native;

namespace Toolstack.Runtime;

/// <summary>
/// One per-domain lock file, taken with libxl's protocol (libxl__lock_file): open, flock, then
/// check that the path still names the locked inode (the previous holder or a destroy may have
/// unlinked it); release by unlinking, then closing, so waiters notice and retry. Opened with
/// O_NOFOLLOW and kept only if it is a plain file of ours (<see cref="OwnFile"/>).
/// </summary>
internal sealed class LockFile
{
    private readonly DomainUserdata _domain;

    // The identity of the descriptor acquired last, so that its release needs no fstat. A held
    // descriptor's number is unique among open ones and the slot is cleared on its release, so a
    // match on the number is exact; any other release (a second, stale holder) falls back to fstat.
    private readonly System.Threading.Lock _heldGate = new();
    private int _heldFd = -1;
    private FileId _heldId;

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
        // No record check before the open (issue 10: one check per acquisition, not two): the
        // check after the flock decides alone. A lock is only ever held past Settle, which saw the
        // record while already holding the flock; the check before could only refuse earlier what
        // Settle refuses anyway. A gone domain's waiter may thus create the lock file, as libxl's
        // does; Settle then unlinks it under the guard and throws, leaving nothing behind.
        while (true)
        {
            int fd = Open(out FileId id);
            int errno = Flock.Lock(fd, Flock.Exclusive);
            if (errno != 0)
            {
                Close(fd);
                throw Failure("lock", errno);
            }

            if (Settle(fd, id))
            {
                return fd;
            }
        }
    }

    /// <summary>
    /// A try-lock's whole attempt: non-blocking tries until the answer is final. Returns the locked
    /// descriptor, or -1 when another holder has the file (our descriptor closed, the file theirs).
    /// </summary>
    internal int TryAcquireNow()
    {
        int fd = -1;
        Attempt attempt;
        do
        {
            // RetryNow: the holder released (or a destroy unlinked) the file we opened; look again at once.
            attempt = TryAcquire(ref fd);
        }
        while (attempt == Attempt.RetryNow);

        if (attempt == Attempt.Acquired)
        {
            return fd;
        }

        Close(fd);
        return -1;
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

        // Settle owns the descriptor from here: on false or a throw it has closed (and, where it
        // was ours, released) it.
        int locked = fd;
        fd = -1;
        if (Settle(locked, null))
        {
            fd = locked;
            return Attempt.Acquired;
        }

        return Attempt.RetryNow;
    }

    /// <summary>
    /// Gives the lock up: under the directory guard, unlink the path only if it still names the
    /// locked inode; then drop the guard; then close, as libxl does (unlink before close, so
    /// waiters wake on a dead inode and retry). The descriptor is closed whatever fails.
    /// </summary>
    /// <remarks>
    /// After a destroy and a re-create the path names another holder's file: unlinking it would
    /// let a third process lock a fresh file while that holder still holds the old one. Inside the
    /// guard no toolstack process can unlink our file or create another at the path, so the check
    /// and the unlink are one step for all of them.
    /// </remarks>
    internal void Release(int fd)
    {
        FileId? id = null;
        lock (_heldGate)
        {
            if (_heldFd == fd)
            {
                id = _heldId;
                _heldFd = -1;
            }
        }

        try
        {
            using DirectoryGuard.Held guard = DirectoryGuard.Take(_domain);
            if (id is FileId known ? OwnFile.Names(known, Path, _domain.LockDirectory) : OwnFile.NamesSameFile(fd, Path, _domain.LockDirectory))
            {
                OwnFile.Remove(Path, _domain.LockDirectory);
            }
        }
        finally
        {
            // Whatever failed above, the lock itself is released; a stale file is harmless to the protocol.
            Close(fd);
        }
    }

    /// <summary>Whether <paramref name="fd"/> (held) is still this lock's file and the domain still exists.</summary>
    internal bool IsStillHeld(int fd) => _domain.IsStillHeld(fd, Path);

    internal static void Close(int fd)
    {
        // close(2) must not be retried on EINTR on Linux: the descriptor is gone either way.
        Syscall.close(fd);
    }

    /// <summary>
    /// After flock succeeded on <paramref name="fd"/>: true when it is really ours; otherwise the
    /// descriptor is closed (false: try again), or the lock given up because the domain is gone.
    /// </summary>
    /// <remarks><paramref name="id"/>: the descriptor's identity when known from its open (saves an fstat).</remarks>
    private bool Settle(int fd, FileId? id)
    {
        bool exists;
        try
        {
            if (!(id is FileId known ? OwnFile.Names(known, Path, _domain.LockDirectory) : NamesSameFile(fd)))
            {
                Close(fd);
                return false;
            }

            exists = _domain.Exists;
        }
        catch
        {
            // Locked but unusable: closing the only descriptor gives the flock back at once.
            Close(fd);
            throw;
        }

        if (id is FileId held)
        {
            lock (_heldGate)
            {
                _heldFd = fd;
                _heldId = held;
            }
        }

        if (!exists)
        {
            Release(fd);
            throw new DomainGoneException(_domain.DomainId);
        }

        return true;
    }

    private int Open() => Open(out _);

    private int Open(out FileId id) =>
        OwnFile.Open(Path, OpenFlags.O_RDWR | OpenFlags.O_CREAT, _domain.LockDirectory, "create or open lock file", out id);

    /// <summary>Whether the path (not followed) still names the inode open on <paramref name="fd"/>.</summary>
    private bool NamesSameFile(int fd) => OwnFile.NamesSameFile(fd, Path, _domain.LockDirectory);

    private LockDirectoryException Failure(string action, int errno) =>
        PosixError.Exception(_domain.LockDirectory, $"Cannot {action} lock file '{Path}'", errno);
}
