namespace Toolstack.Runtime;

/// <summary>
/// A handle was released that is no longer held (released twice; the static twin is TSL1006), or
/// something that needs a lock held by the calling thread found it was not (TSL1008's twin).
/// </summary>
public sealed class LockNotHeldException : LockException
{
    internal LockNotHeldException(HierarchicalLock owner)
        : base($"The handle of {owner} was already released; a handle is released exactly once.")
    {
        Lock = owner;
    }

    internal LockNotHeldException(HierarchicalLock owner, string message)
        : base(message)
    {
        Lock = owner;
    }

    /// <summary>The lock the handle came from.</summary>
    public HierarchicalLock Lock { get; }
}
