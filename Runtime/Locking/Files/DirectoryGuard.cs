using System.Collections.Concurrent;
using System.Threading;
using Mono.Unix.Native;

namespace Toolstack.Runtime;

/// <summary>
/// The lock directory's own lock (<see cref="FileName"/>, never unlinked), held for a few
/// syscalls only: every unlink or rename of a domain file by this toolstack happens under it.
/// </summary>
/// <remarks>
/// <para>
/// While it is held, no toolstack process can unlink a lock file or create a new one where an old
/// one still is, so "the path still names the inode I hold, then unlink it" is atomic for every
/// toolstack process. Order: a lock file may be held when the guard is taken, never the converse
/// (nothing waits for a lock file under the guard), so the guard adds no deadlock. libxl does not
/// take it.
/// </para>
/// <para>
/// One descriptor per directory and process, kept open (issue 10: open+fstat+close per release
/// became one lstat). Taking it: an in-process mutex first (flock does not exclude threads that
/// share one open file description), then flock, then a check that the path still names the kept
/// file: if the guard file or the whole directory was removed or replaced, other processes lock
/// the new file, so the kept one is closed and the new one opened. Given back with LOCK_UN, not
/// close: a child forked meanwhile (O_CLOEXEC closes it at exec) shares the description, and
/// LOCK_UN releases it for both. A killed process's descriptors close, releasing the flock.
/// </para>
/// </remarks>
internal sealed class DirectoryGuard
{
    /// <summary>The guard's file in the lock directory.</summary>
    internal const string FileName = "toolstack-directory-lock";

    private const int UnlockOperation = 8; // LOCK_UN

    private static readonly ConcurrentDictionary<string, DirectoryGuard> s_byDirectory = new(System.StringComparer.Ordinal);

    private readonly Lock _threads = new();
    private readonly string _directory;
    private readonly string _path;
    private int _fd = -1;   // touched only with _threads held
    private FileId _id;

    private DirectoryGuard(string directory, string path)
    {
        _directory = directory;
        _path = path;
    }

    /// <summary>Locks the guard of <paramref name="domain"/>'s lock directory, waiting for other holders.</summary>
    /// <exception cref="LockDirectoryException">The guard cannot be created, is not a plain file of ours, or cannot be locked.</exception>
    internal static Held Take(DomainUserdata domain) =>
        s_byDirectory.GetOrAdd(domain.LockDirectory, static (directory, path) => new DirectoryGuard(directory, path), domain.GuardPath)
            .Enter();

    private Held Enter()
    {
#pragma warning disable TSL1005 // deliberate: the returned Held owns the lock, its Dispose (Exit) gives it back
        _threads.Enter();
#pragma warning restore TSL1005
        try
        {
            while (true)
            {
                if (_fd < 0)
                {
                    _fd = OwnFile.Open(_path, OpenFlags.O_RDWR | OpenFlags.O_CREAT, _directory, "create or open directory guard", out _id);
                }

                int errno = Flock.Lock(_fd, Flock.Exclusive);
                if (errno != 0)
                {
                    CloseKept();
                    throw PosixError.Exception(_directory, $"Cannot lock directory guard '{_path}'", errno);
                }

                if (OwnFile.Names(_id, _path, _directory))
                {
                    return new Held(this);
                }

                // Removed or replaced since it was opened: locking it excludes no one any more.
                CloseKept();
            }
        }
        catch
        {
            CloseKept();
            _threads.Exit();
            throw;
        }
    }

    private void Exit()
    {
        if (Flock.Lock(_fd, UnlockOperation) != 0)
        {
            CloseKept(); // closing the only descriptor gives the flock back whatever failed
        }

        _threads.Exit();
    }

    private void CloseKept()
    {
        if (_fd >= 0)
        {
            LockFile.Close(_fd);
            _fd = -1;
        }
    }

    /// <summary>The guard, held until disposed.</summary>
    internal readonly struct Held : System.IDisposable
    {
        private readonly DirectoryGuard? _guard;

        internal Held(DirectoryGuard guard) => _guard = guard;

        /// <summary>Gives the guard back.</summary>
        public void Dispose() => _guard?.Exit();
    }
}
