using System.Threading;

namespace Toolstack.Runtime;

/// <summary>
/// One lock a flow holds, as the validator records it: an immutable list node, so a child flow
/// that inherits the list never changes its parent's, with a flag any flow may clear on release.
/// </summary>
/// <remarks>
/// Dropping a released entry from the middle of a list rebuilds the nodes above it
/// (<see cref="WithNext"/>); a rebuilt node reads the original's flag, so releasing the handle,
/// which keeps the original node, deactivates every copy in every flow. The original holds the
/// flag itself: one allocation per acquisition.
/// </remarks>
internal sealed class HeldLockEntry
{
    private readonly HeldLockEntry _original;
    private int _active;

    internal HeldLockEntry(HierarchicalLock heldLock, string site, HeldLockEntry? next)
    {
        Lock = heldLock;
        Site = site;
        Next = next;
        _active = 1;
        _original = this;
    }

    private HeldLockEntry(HeldLockEntry original, HeldLockEntry? next)
    {
        Lock = original.Lock;
        Site = original.Site;
        Next = next;
        _original = original;
    }

    internal HierarchicalLock Lock { get; }

    internal string Site { get; }

    internal HeldLockEntry? Next { get; }

    internal bool IsActive => Volatile.Read(ref _original._active) == 1;

    internal void Deactivate() => Volatile.Write(ref _original._active, 0);

    /// <summary>The same acquisition (same flag) on top of another rest of the list.</summary>
    internal HeldLockEntry WithNext(HeldLockEntry? next) => new(_original, next);
}
