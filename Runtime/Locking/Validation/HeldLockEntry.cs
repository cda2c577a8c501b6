using System.Threading;

namespace Toolstack.Runtime;

/// <summary>
/// One lock a flow holds, as the validator records it: an immutable list node, so a child flow
/// that inherits the list never changes its parent's, with a flag any flow may clear on release.
/// </summary>
internal sealed class HeldLockEntry
{
    private int _active = 1;

    internal HeldLockEntry(HierarchicalLock heldLock, string site, HeldLockEntry? next)
    {
        Lock = heldLock;
        Site = site;
        Next = next;
    }

    internal HierarchicalLock Lock { get; }

    internal string Site { get; }

    internal HeldLockEntry? Next { get; }

    internal bool IsActive => Volatile.Read(ref _active) == 1;

    internal void Deactivate() => Volatile.Write(ref _active, 0);
}
