using System.Threading;

namespace Toolstack.Runtime;

/// <summary>
/// One lock a flow holds, as the validator records it: an immutable list node, so a child flow
/// that inherits the list never changes its parent's, with a flag any flow may clear on release.
/// </summary>
/// <remarks>
/// Dropping a released entry from the middle of a list rebuilds the nodes above it
/// (<see cref="WithNext"/>); a rebuilt node shares the original's flag, so releasing the handle,
/// which keeps the original node, deactivates every copy in every flow.
/// </remarks>
internal sealed class HeldLockEntry
{
    private readonly Activity _activity;

    internal HeldLockEntry(HierarchicalLock heldLock, string site, HeldLockEntry? next)
        : this(heldLock, site, next, new Activity())
    {
    }

    private HeldLockEntry(HierarchicalLock heldLock, string site, HeldLockEntry? next, Activity activity)
    {
        Lock = heldLock;
        Site = site;
        Next = next;
        _activity = activity;
    }

    internal HierarchicalLock Lock { get; }

    internal string Site { get; }

    internal HeldLockEntry? Next { get; }

    internal bool IsActive => Volatile.Read(ref _activity.Active) == 1;

    internal void Deactivate() => Volatile.Write(ref _activity.Active, 0);

    /// <summary>The same acquisition (same flag) on top of another rest of the list.</summary>
    internal HeldLockEntry WithNext(HeldLockEntry? next) => new(Lock, Site, next, _activity);

    /// <summary>The state of one acquisition, shared by every node that records it.</summary>
    private sealed class Activity
    {
        internal int Active = 1;
    }
}
