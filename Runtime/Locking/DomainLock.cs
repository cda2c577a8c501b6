using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

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
public sealed partial class DomainLock : HierarchicalLock
{
    private readonly ShortMutex _mutex = new();
    // The handle that last took (or took back) the lock, with its thread: a short lock is never
    // held across await, so "the caller holds it" means "this thread holds it". Never cleared: a
    // release is the mutex's ticket exit alone, and the handle's state and ticket tell whether
    // it still holds (clearing here, before the exit, could erase a later holder's record when
    // two releases of one handle race).
    private volatile LockHandle? _holder;

    /// <summary>Creates the lock of the domain named <paramref name="name"/>.</summary>
    public DomainLock(string name) : base(name) { }

    /// <summary>Acquires the lock, waiting while another thread holds it.</summary>
    /// <returns>The handle; release it with <see cref="Unlock"/> or by disposing it.</returns>
    /// <exception cref="LockOrderException">Validation is on and a lock at or inside this level is held.</exception>
    /// <remarks>For a method group (<c>Func&lt;LockHandle&gt;</c>); a call binds to the overload with caller information.</remarks>
    [AcquiresLock(typeof(DomainLock))]
    public LockHandle Lock() => Lock("", "", 0);

    /// <summary>Acquires the lock, waiting while another thread holds it; the compiler supplies the arguments.</summary>
    /// <param name="callerName">The calling member, for <see cref="LockOrderException"/> (compiler-supplied).</param>
    /// <param name="callerFile">The calling source file (compiler-supplied).</param>
    /// <param name="callerLine">The calling line (compiler-supplied).</param>
    /// <returns>The handle; release it with <see cref="Unlock"/> or by disposing it.</returns>
    /// <exception cref="LockOrderException">Validation is on and a lock at or inside this level is held.</exception>
    /// <remarks>
    /// The caller information costs nothing at run time (constants), and with validation on it
    /// names the held lock's site exactly without a stack walk per acquisition.
    /// </remarks>
    [AcquiresLock(typeof(DomainLock))]
    [OverloadResolutionPriority(1)]
    public LockHandle Lock([CallerMemberName] string callerName = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0)
    {
        LockHandle handle = AcquireShort(_mutex, callerName, callerFile, callerLine);
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
    public void Unlock(LockHandle handle)
    {
        CheckIssuedHere(handle);
        ReleaseShort(handle, _mutex, throwIfNotHeld: true);
    }

    /// <inheritdoc />
    /// <remarks>Not reached: Unlock and Dispose release through the mutex's ticket.</remarks>
    protected override void ReleaseCore(LockHandle handle) => _mutex.TryExit(handle.Ticket);

    private protected override void DisposeHandle(LockHandle handle) => ReleaseShort(handle, _mutex, throwIfNotHeld: false);

    /// <summary>Whether the calling thread holds the lock (taken and not suspended).</summary>
    internal bool IsHeldByCurrentThread =>
        _holder is { } holder
        && holder.HolderThread == Environment.CurrentManagedThreadId
        && holder.IsHeld
        && _mutex.IsHeldBy(holder.Ticket);

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

        LockValidator.OnReleased(handle);
        // Fails only if another thread's release of this handle gave the mutex back first (it
        // then marked the handle released, and Resume will report that).
        _mutex.TryExit(handle.Ticket);
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
        long ticket;
        try
        {
            ticket = _mutex.EnterTicket();
        }
        catch
        {
            LockValidator.OnReleased(handle);
            throw;
        }

        if (!handle.TryResume())
        {
            LockValidator.OnReleased(handle);
            _mutex.TryExit(ticket);
            return false;
        }

        // Published after the state is Held: a release that reads the old ticket meanwhile
        // fails its exit, sees Held, and retries until this write (ReleaseShort).
        handle.Ticket = ticket;
        SetHolder(handle);
        return true;
    }

    /// <summary>The exception for an operation that needs this lock held by the calling thread.</summary>
    internal LockNotHeldException NotHeldByCurrentThread() =>
        new(this, $"{this} is not held by the calling thread (thread {Environment.CurrentManagedThreadId}); take it with Lock() first.");

    private void SetHolder(LockHandle handle)
    {
        handle.HolderThread = Environment.CurrentManagedThreadId;
        _holder = handle;
    }
}
