using System;
using System.Threading;
using System.Threading.Tasks;

namespace Toolstack.Runtime;

/// <summary>
/// Proof that a lock is held: one type for every lock. Release it exactly once, through the lock
/// that issued it (<c>Unlock</c>), or by disposing it.
/// </summary>
/// <remarks>
/// <see cref="Dispose"/> and <see cref="DisposeAsync"/> release the lock the handle came from and
/// are idempotent, as <see cref="IDisposable"/> requires, so <c>using</c> is always safe. An
/// explicit <c>Unlock</c> of a handle that is no longer held throws
/// <see cref="LockNotHeldException"/>.
/// </remarks>
public sealed class LockHandle : IDisposable, IAsyncDisposable
{
    private const int Pending = 0;
    private const int Held = 1;
    private const int Released = 2;
    private const int Suspended = 3;

    private int _state;
    private long _ticket;

    internal LockHandle(HierarchicalLock source) => Source = source;

    /// <summary>The lock that issued this handle; only it can release the handle.</summary>
    public HierarchicalLock Source { get; }

    /// <summary>True from acquisition until the handle is released, except while its lock is lent out (a monitor is entered).</summary>
    public bool IsHeld => Volatile.Read(ref _state) == Held;

    /// <summary>
    /// True while the lock is given up on the holder's behalf and will be taken back into this
    /// handle: a domain's lock while its monitor is entered.
    /// </summary>
    public bool IsSuspended => Volatile.Read(ref _state) == Suspended;

    /// <summary>The open lock file of a file lock while held; -1 for in-memory locks.</summary>
    internal int FileDescriptor { get; set; } = -1;

    /// <summary>The validator's record of this acquisition, when validation was on.</summary>
    internal HeldLockEntry? ValidationEntry { get; set; }

    /// <summary>Releases the lock this handle came from; does nothing if already released.</summary>
    [ReleasesLock]
    public void Dispose() => Source.ReleaseByDispose(this);

    /// <summary>Releases the lock this handle came from; does nothing if already released.</summary>
    /// <remarks>Completes synchronously: releasing never waits.</remarks>
    [ReleasesLock]
    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"handle of {Source}{(IsHeld ? "" : IsSuspended ? " (suspended)" : " (released)")}";

    /// <summary>
    /// The short mutex's ticket of this acquisition (DriverLock, DomainLock): giving the mutex back
    /// with it is what releases the handle. 0 until taken.
    /// </summary>
    internal long Ticket
    {
        get => Volatile.Read(ref _ticket);
        set => Volatile.Write(ref _ticket, value);
    }

    /// <summary>The managed thread that took (or took back) a <see cref="DomainLock"/> through this handle.</summary>
    internal int HolderThread { get; set; }

    internal bool IsReleased => Volatile.Read(ref _state) == Released;

    internal void MarkHeld() => Volatile.Write(ref _state, Held);

    /// <summary>Held (or suspended) → released, by the one release whose ticket gave the mutex back.</summary>
    internal void MarkReleased() => Volatile.Write(ref _state, Released);

    internal void MarkAbandoned() => Volatile.Write(ref _state, Released);

    /// <summary>Moves the handle from held to released; false if it was not held.</summary>
    internal bool TryMarkReleased() => Interlocked.CompareExchange(ref _state, Released, Held) == Held;

    internal bool WasEverIssued => Volatile.Read(ref _state) != Pending;

    /// <summary>Held → suspended; false if it was not held.</summary>
    internal bool TrySuspend() => Interlocked.CompareExchange(ref _state, Suspended, Held) == Held;

    /// <summary>Suspended → held; false if it was released meanwhile.</summary>
    internal bool TryResume() => Interlocked.CompareExchange(ref _state, Held, Suspended) == Suspended;

    /// <summary>Suspended → released: the lock was already given up, nothing else to do.</summary>
    internal bool TryDropSuspended() => Interlocked.CompareExchange(ref _state, Released, Suspended) == Suspended;
}
