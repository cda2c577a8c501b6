using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Toolstack.Runtime;

/// <summary>
/// The process-wide driver lock (libvirt's QEMU driver lock). Every API call passes through it,
/// so it is held only briefly and never across anything that sleeps or waits.
/// </summary>
/// <remarks>
/// Level <see cref="LockLevels.Driver"/>: taken after a <see cref="QmpLock"/>, before any
/// <see cref="DomainLock"/> or <see cref="JsonLock"/>. While it is held: no blocking call, no
/// <c>await</c>, no QMP call, no <see cref="JsonLock.Lock"/> (it may wait on another process).
/// Not re-entrant: taking it twice in one flow deadlocks (the validator reports it instead).
/// </remarks>
[LockLevel(LockLevels.Driver, ForbidsBlocking = true)]
public sealed class DriverLock : HierarchicalLock
{
    private readonly ShortMutex _mutex = new();

    /// <summary>Creates the driver lock, named <c>driver</c>.</summary>
    public DriverLock() : this("driver") { }

    /// <summary>Creates a driver lock with a name for diagnostics.</summary>
    public DriverLock(string name) : base(name) { }

    /// <summary>Acquires the lock, waiting while another thread holds it.</summary>
    /// <returns>The handle; release it with <see cref="Unlock"/> or by disposing it.</returns>
    /// <exception cref="LockOrderException">Validation is on and a lock at or inside this level is held.</exception>
    /// <remarks>For a method group (<c>Func&lt;LockHandle&gt;</c>); a call binds to the overload with caller information.</remarks>
    [AcquiresLock(typeof(DriverLock))]
    public LockHandle Lock() => AcquireShort(_mutex, "", "", 0);

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
    [AcquiresLock(typeof(DriverLock))]
    [OverloadResolutionPriority(1)]
    public LockHandle Lock([CallerMemberName] string callerName = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
        AcquireShort(_mutex, callerName, callerFile, callerLine);

    /// <summary>Acquires the lock if it is free; never waits.</summary>
    /// <param name="handle">On success the handle (release it with <see cref="Unlock"/> or by disposing it); null otherwise.</param>
    /// <returns>True with the lock held; false, with nothing held, when another thread holds it.</returns>
    /// <exception cref="LockOrderException">Validation is on and a lock at or inside this level is held; nothing is held.</exception>
    [TryAcquiresLock(typeof(DriverLock))]
    public bool TryLock([MaybeNullWhen(false)] out LockHandle handle) => ShortTryLock.TryEnter(this, _mutex, out handle);

    /// <summary>Releases a handle this lock issued.</summary>
    /// <exception cref="WrongLockException">Another lock issued <paramref name="handle"/>.</exception>
    /// <exception cref="LockNotHeldException"><paramref name="handle"/> was already released.</exception>
    [ReleasesLock(typeof(DriverLock))]
    public void Unlock(LockHandle handle)
    {
        CheckIssuedHere(handle);
        ReleaseShort(handle, _mutex, throwIfNotHeld: true);
    }

    /// <inheritdoc />
    /// <remarks>Not reached: Unlock and Dispose release through the mutex's ticket.</remarks>
    protected override void ReleaseCore(LockHandle handle) => _mutex.TryExit(handle.Ticket);

    private protected override void DisposeHandle(LockHandle handle) => ReleaseShort(handle, _mutex, throwIfNotHeld: false);
}
