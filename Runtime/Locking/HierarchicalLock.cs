using System;
using System.Collections.Concurrent;
using System.Reflection;
using System.Threading;

namespace Toolstack.Runtime;

/// <summary>
/// What every lock of the hierarchy shares: a name, a level read from its
/// <see cref="LockLevelAttribute"/>, and the bookkeeping that makes misuse throw.
/// </summary>
/// <remarks>
/// <para>
/// Handles are checked on every release, whether or not <see cref="LockValidator"/> is on:
/// releasing through another lock throws <see cref="WrongLockException"/>, releasing twice
/// throws <see cref="LockNotHeldException"/>.
/// </para>
/// <para>
/// A user lock type joins the hierarchy by deriving from this class, declaring
/// <see cref="LockLevelAttribute"/>, and following the acquisition protocol: call
/// <see cref="BeginAcquire"/> before waiting, then <see cref="CompleteAcquire"/> once the lock is
/// yours, or <see cref="AbandonAcquire"/> if the wait fails; release with <see cref="Release"/>,
/// which calls <see cref="ReleaseCore"/> exactly once per acquisition. Mark the acquiring and
/// releasing members with <see cref="AcquiresLockAttribute"/> and <see cref="ReleasesLockAttribute"/>
/// so the analyzer follows them.
/// </para>
/// </remarks>
public abstract class HierarchicalLock
{
    private static readonly ConcurrentDictionary<Type, LockLevelAttribute> s_levels = new();

    private readonly LockLevelAttribute _declaration;

    /// <summary>Creates a lock named <paramref name="name"/>; the concrete type must carry <see cref="LockLevelAttribute"/>.</summary>
    /// <exception cref="InvalidOperationException">The concrete type has no <see cref="LockLevelAttribute"/>.</exception>
    protected HierarchicalLock(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        _declaration = s_levels.GetOrAdd(GetType(), ReadDeclaration);
    }

    /// <summary>The name used in diagnostics and exception messages.</summary>
    public string Name { get; }

    /// <summary>The lock's level in the hierarchy (smaller is outer), from <see cref="LockLevelAttribute"/>.</summary>
    public int Level => _declaration.Level;

    /// <summary>True for a slow lock, which may be held across <c>await</c> and QMP calls.</summary>
    public bool IsSlow => _declaration.IsSlow;

    /// <summary>True when nothing that sleeps or waits may run while it is held.</summary>
    public bool ForbidsBlocking => _declaration.ForbidsBlocking;

    /// <inheritdoc />
    public override string ToString() => $"{GetType().Name} '{Name}'";

    /// <summary>
    /// Creates the handle of an acquisition about to start. Call it in the caller's flow, before
    /// any wait, so the validator refuses a bad order before it can deadlock.
    /// </summary>
    /// <exception cref="LockOrderException">Validation is on and a lock at or inside this level is held.</exception>
    protected LockHandle BeginAcquire()
    {
        var handle = new LockHandle(this);
        LockValidator.OnAcquiring(handle);
        return handle;
    }

    /// <summary>
    /// The whole blocking acquisition protocol: <see cref="BeginAcquire"/>, then
    /// <paramref name="wait"/> until the lock is the new handle's, then <see cref="CompleteAcquire"/>
    /// — or <see cref="AbandonAcquire"/> if the wait throws.
    /// </summary>
    /// <exception cref="LockOrderException">Validation is on and a lock at or inside this level is held.</exception>
    protected LockHandle AcquireBlocking(Action<LockHandle> wait)
    {
        ArgumentNullException.ThrowIfNull(wait);
        LockHandle handle = BeginAcquire();
        try
        {
            wait(handle);
        }
        catch
        {
            // Interrupted, or the lock could not be had: nothing is held, and the validator must
            // not go on believing this flow holds it.
            AbandonAcquire(handle);
            throw;
        }

        return CompleteAcquire(handle);
    }

    /// <summary>
    /// <see cref="AcquireBlocking"/> for an in-memory mutex, without a delegate: the uncontended
    /// path is one compare-and-swap (this is what DriverLock and DomainLock cost per call). The
    /// caller information names the site for the validator (empty file: walk the stack for it).
    /// <paramref name="nestedUnder"/>: a held lock of this level the validator lets this one nest in
    /// (the first lock of <see cref="DomainLock.LockBoth"/>).
    /// </summary>
    private protected LockHandle AcquireShort(ShortMutex mutex, string callerName, string callerFile, int callerLine,
        LockHandle? nestedUnder = null)
    {
        var handle = new LockHandle(this);
        if (LockValidator.IsEnabled)
        {
            LockValidator.OnAcquiring(handle, callerName, callerFile, callerLine, nestedUnder);
        }

        // The try/catch lives in the contended path only: here it would cost a frame and spills.
        long ticket = mutex.TryEnterTicket();
        handle.Ticket = ticket != 0 ? ticket : EnterContended(mutex, handle);
        handle.MarkHeld();
        return handle;
    }

    /// <summary>
    /// Releases a handle of <see cref="AcquireShort"/>'s <paramref name="mutex"/>: giving the mutex
    /// back with the handle's ticket is the release (one atomic operation), so of two releases of
    /// one handle exactly one succeeds. No virtual <see cref="ReleaseCore"/>.
    /// </summary>
    /// <returns>True if this call gave the lock up; false if the handle was suspended and is now dropped, or (not <paramref name="throwIfNotHeld"/>) was not held.</returns>
    /// <exception cref="LockNotHeldException"><paramref name="throwIfNotHeld"/> and the handle is not held.</exception>
    private protected bool ReleaseShort(LockHandle handle, ShortMutex mutex, bool throwIfNotHeld)
    {
        SpinWait spin = default;
        while (true)
        {
            long ticket = handle.Ticket;
            if (mutex.TryExit(ticket))
            {
                // Only the one successful exit gets here; a suspension racing with it loses too.
                handle.MarkReleased();
                LockValidator.OnReleased(handle);
                return true;
            }

            if (handle.IsSuspended)
            {
                if (handle.TryDropSuspended())
                {
                    return false;
                }

                continue; // resumed or released meanwhile: look again
            }

            if (!handle.IsHeld)
            {
                return throwIfNotHeld ? throw new LockNotHeldException(this) : false;
            }

            // Held, yet the ticket does not hold the mutex: a Resume is publishing its new ticket,
            // or another release of this handle won and is marking it released. Both are moments.
            if (handle.Ticket == ticket)
            {
                spin.SpinOnce();
            }
        }
    }

    /// <summary>The checks every Unlock makes before releasing: the handle is this lock's.</summary>
    private protected void CheckIssuedHere(LockHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (!ReferenceEquals(handle.Source, this))
        {
            throw new WrongLockException(handle.Source, this);
        }
    }

    /// <summary>What disposing a handle of this lock does: release it if held; never throws for a released one.</summary>
    private protected virtual void DisposeHandle(LockHandle handle)
    {
        if (handle.TryMarkReleased())
        {
            Finish(handle);
        }
        else
        {
            handle.TryDropSuspended();
        }
    }

    private static long EnterContended(ShortMutex mutex, LockHandle handle)
    {
        try
        {
            return mutex.EnterTicket();
        }
        catch
        {
            AbandonAcquire(handle);
            throw;
        }
    }

    /// <summary>
    /// A try-lock took <paramref name="taken"/>'s lock without waiting: the validator hears of it
    /// only now, and if it refuses the order, <paramref name="giveBack"/> undoes the take before
    /// the exception leaves, so nothing is held.
    /// </summary>
    /// <exception cref="LockOrderException">Validation is on and a lock at or inside this level is held.</exception>
    private protected static LockHandle AdmitTaken(LockHandle taken, Action<LockHandle> giveBack)
    {
        try
        {
            LockValidator.OnAcquiring(taken);
        }
        catch
        {
            giveBack(taken);
            throw;
        }

        return CompleteAcquire(taken);
    }

    /// <summary>The lock is now held through <paramref name="handle"/>; returns it for the caller.</summary>
    protected static LockHandle CompleteAcquire(LockHandle handle)
    {
        handle.MarkHeld();
        return handle;
    }

    /// <summary>The acquisition begun with <paramref name="handle"/> failed or was cancelled: nothing is held.</summary>
    protected static void AbandonAcquire(LockHandle handle)
    {
        handle.MarkAbandoned();
        LockValidator.OnReleased(handle);
    }

    /// <summary>Releases <paramref name="handle"/> through this lock, checking that it may.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="handle"/> is null.</exception>
    /// <exception cref="WrongLockException">Another lock issued <paramref name="handle"/>.</exception>
    /// <exception cref="LockNotHeldException"><paramref name="handle"/> was already released.</exception>
    protected void Release(LockHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (!ReferenceEquals(handle.Source, this))
        {
            throw new WrongLockException(handle.Source, this);
        }

        if (!handle.TryMarkReleased())
        {
            // A suspended handle (its monitor entered and never left) has nothing left to give back.
            if (handle.TryDropSuspended())
            {
                return;
            }

            throw new LockNotHeldException(this);
        }

        Finish(handle);
    }

    internal void ReleaseByDispose(LockHandle handle) => DisposeHandle(handle);

    /// <summary>Gives the lock up; called once per acquisition, after the handle is marked released.</summary>
    protected abstract void ReleaseCore(LockHandle handle);

    private void Finish(LockHandle handle)
    {
        LockValidator.OnReleased(handle);
        ReleaseCore(handle);
    }

    private static LockLevelAttribute ReadDeclaration(Type type) =>
        type.GetCustomAttribute<LockLevelAttribute>(inherit: false)
        ?? throw new InvalidOperationException($"{type.Name} must be declared with [LockLevel].");
}
