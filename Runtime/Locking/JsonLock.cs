using System.Diagnostics.CodeAnalysis;

namespace Toolstack.Runtime;

/// <summary>
/// libxl's per-domain JSON config lock (the "fast lock", file <c>domain-userdata-lock</c>): a
/// cross-process flock(2) lock guarding read/modify/write of the domain's JSON config.
/// </summary>
/// <remarks>
/// <para>
/// Level <see cref="LockLevels.Json"/>, innermost. Held briefly: no <c>await</c> and no QMP call
/// while it is held. <see cref="Lock"/> may wait on another process, so it is
/// <see cref="BlockingAttribute">[Blocking]</see> and may not be called under the
/// <see cref="DriverLock"/>.
/// </para>
/// <para>
/// Follows libxl's protocol, so it excludes libxl and <c>flock(1)</c> on the same file. A
/// domain that does not exist, or is destroyed while the caller waits, makes
/// <see cref="Lock"/> throw <see cref="DomainGoneException"/>.
/// </para>
/// </remarks>
[LockLevel(LockLevels.Json)]
public sealed class JsonLock : HierarchicalLock
{
    private readonly LockFile _file;
    private readonly System.Action<LockHandle> _acquire;

    /// <summary>Creates the JSON config lock of <paramref name="domain"/>; touches no file.</summary>
    public JsonLock(DomainUserdata domain) : base(domain?.DomainId ?? throw new System.ArgumentNullException(nameof(domain)))
    {
        Domain = domain;
        _file = new LockFile(domain, domain.JsonLockPath);
        // One delegate for the lock's lifetime, not a closure per acquisition.
        _acquire = handle => handle.FileDescriptor = _file.AcquireBlocking();
    }

    /// <summary>The domain whose config this lock guards.</summary>
    public DomainUserdata Domain { get; }

    /// <summary>Acquires the lock, blocking the calling thread while another process or thread holds it.</summary>
    /// <returns>The handle; release it with <see cref="Unlock"/> or by disposing it.</returns>
    /// <exception cref="DomainGoneException">The domain does not exist, or was destroyed while waiting.</exception>
    /// <exception cref="LockDirectoryException">The lock file cannot be created or locked.</exception>
    /// <exception cref="LockOrderException">Validation is on and a lock at or inside this level is held.</exception>
    [Blocking]
    [AcquiresLock(typeof(JsonLock))]
    public LockHandle Lock() => AcquireBlocking(_acquire);

    /// <summary>
    /// Acquires the lock only if it is free now (flock with <c>LOCK_NB</c>); never waits on another
    /// process or thread. libxl's protocol is kept: the file is opened with O_NOFOLLOW and checked to
    /// be the one at the lock path (fstat against lstat), and the domain record is checked once the
    /// flock is ours.
    /// </summary>
    /// <param name="handle">On success the handle (release it with <see cref="Unlock"/> or by disposing it); null otherwise.</param>
    /// <returns>
    /// True with the lock held; false, with nothing held, no descriptor left open, and the
    /// holder's file untouched, when another process, thread or instance holds it.
    /// </returns>
    /// <exception cref="DomainGoneException">The domain does not exist; no file is left behind.</exception>
    /// <exception cref="LockDirectoryException">The lock file cannot be created or locked.</exception>
    /// <exception cref="LockOrderException">Validation is on and a lock at or inside this level is held; nothing is held.</exception>
    /// <remarks>Not <see cref="BlockingAttribute">[Blocking]</see>: unlike <see cref="Lock"/> it cannot wait on another process.</remarks>
    [TryAcquiresLock(typeof(JsonLock))]
    public bool TryLock([MaybeNullWhen(false)] out LockHandle handle)
    {
        int fd = _file.TryAcquireNow();
        if (fd < 0)
        {
            handle = null;
            return false;
        }

        // A refused order gives the lock straight back, as an Unlock would.
        handle = AdmitTaken(new LockHandle(this) { FileDescriptor = fd }, ReleaseCore);
        return true;
    }

    /// <summary>
    /// Releases a handle this lock issued: unlinks the lock file if it is still the one it locked
    /// (never a re-created domain's), then closes it.
    /// </summary>
    /// <exception cref="WrongLockException">Another lock issued <paramref name="handle"/>.</exception>
    /// <exception cref="LockNotHeldException"><paramref name="handle"/> was already released.</exception>
    [ReleasesLock(typeof(JsonLock))]
    public void Unlock(LockHandle handle) => Release(handle);

    /// <summary>
    /// Whether <paramref name="handle"/>'s lock file is still the one at the lock path and the
    /// domain still exists: false once the domain was destroyed (and maybe re-created).
    /// </summary>
    internal bool IsStillHeld(LockHandle handle) => handle.IsHeld && _file.IsStillHeld(handle.FileDescriptor);

    /// <inheritdoc />
    protected override void ReleaseCore(LockHandle handle)
    {
        int fd = handle.FileDescriptor;
        handle.FileDescriptor = -1;
        _file.Release(fd);
    }
}
