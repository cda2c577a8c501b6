using System;
using System.Diagnostics.CodeAnalysis;

namespace Toolstack.Runtime;

/// <summary>
/// The lock of one domain object (libvirt's virDomainObj lock): guards the domain's in-memory
/// state, held briefly.
/// </summary>
/// <remarks>
/// Level <see cref="LockLevels.Domain"/>: taken after the <see cref="DriverLock"/>, before the
/// domain's <see cref="JsonLock"/>. While it is held: no <c>await</c> and no QMP call (enter the
/// monitor, which releases it, instead). Two domains' locks may not be nested. Not re-entrant.
/// </remarks>
[LockLevel(LockLevels.Domain)]
public sealed class DomainLock : HierarchicalLock
{
    private readonly ShortMutex _mutex = new();
    private volatile LockHandle? _holder;

    // The managed thread that took (or took back) the lock: a short lock is never held across
    // await, so "the caller holds it" means "this thread holds it".
    private volatile int _holderThread;

    /// <summary>Creates the lock of the domain named <paramref name="name"/>.</summary>
    public DomainLock(string name) : base(name) { }

    /// <summary>Acquires the lock, waiting while another thread holds it.</summary>
    /// <returns>The handle; release it with <see cref="Unlock"/> or by disposing it.</returns>
    /// <exception cref="LockOrderException">Validation is on and a lock at or inside this level is held.</exception>
    [AcquiresLock(typeof(DomainLock))]
    public LockHandle Lock()
    {
        LockHandle handle = AcquireShort(_mutex);
        SetHolder(handle);
        return handle;
    }

    /// <summary>Acquires the lock if it is free; never waits.</summary>
    /// <param name="handle">On success the handle (release it with <see cref="Unlock"/> or by disposing it); null otherwise.</param>
    /// <returns>True with the lock held; false, with nothing held, when another thread holds it.</returns>
    /// <exception cref="LockOrderException">Validation is on and a lock at or inside this level is held; nothing is held.</exception>
    [TryAcquiresLock(typeof(DomainLock))]
    public bool TryLock([MaybeNullWhen(false)] out LockHandle handle)
    {
        if (!ShortTryLock.TryEnter(this, _mutex, out handle))
        {
            return false;
        }

        SetHolder(handle);
        return true;
    }

    /// <summary>Releases a handle this lock issued.</summary>
    /// <exception cref="WrongLockException">Another lock issued <paramref name="handle"/>.</exception>
    /// <exception cref="LockNotHeldException"><paramref name="handle"/> was already released.</exception>
    [ReleasesLock(typeof(DomainLock))]
    public void Unlock(LockHandle handle) => Release(handle);

    /// <inheritdoc />
    protected override void ReleaseCore(LockHandle handle)
    {
        ClearHolder();
        _mutex.Exit();
    }

    /// <summary>Whether the calling thread holds the lock (taken and not suspended).</summary>
    internal bool IsHeldByCurrentThread =>
        _holder is not null && _holderThread == Environment.CurrentManagedThreadId;

    /// <summary>
    /// Gives the lock up on behalf of the calling thread, which holds it; its handle stays valid
    /// (suspended) and is returned: entering a monitor. <see cref="Resume"/> takes it back into the
    /// same handle.
    /// </summary>
    /// <exception cref="LockNotHeldException">The calling thread does not hold the lock (nobody does, or another thread does); nothing changed.</exception>
    internal LockHandle Suspend()
    {
        LockHandle? handle = _holder;
        if (handle is null || !IsHeldByCurrentThread || !handle.TrySuspend())
        {
            throw NotHeldByCurrentThread();
        }

        ClearHolder();
        LockValidator.OnReleased(handle);
        _mutex.Exit();
        return handle;
    }

    /// <summary>
    /// Takes the lock back into a handle <see cref="Suspend"/> returned, waiting while another
    /// thread holds it: leaving a monitor. If the handle was released while suspended, the lock
    /// is not taken and false is returned.
    /// </summary>
    internal bool Resume(LockHandle handle)
    {
        LockValidator.OnAcquiring(handle);
        try
        {
            _mutex.Enter();
        }
        catch
        {
            LockValidator.OnReleased(handle);
            throw;
        }

        if (!handle.TryResume())
        {
            LockValidator.OnReleased(handle);
            _mutex.Exit();
            return false;
        }

        SetHolder(handle);
        return true;
    }

    /// <summary>The exception for an operation that needs this lock held by the calling thread.</summary>
    internal LockNotHeldException NotHeldByCurrentThread() =>
        new(this, $"{this} is not held by the calling thread (thread {Environment.CurrentManagedThreadId}); take it with Lock() first.");

    private void SetHolder(LockHandle handle)
    {
        _holderThread = Environment.CurrentManagedThreadId;
        _holder = handle;
    }

    private void ClearHolder()
    {
        _holder = null;
        _holderThread = 0;
    }
}
