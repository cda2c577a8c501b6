namespace Toolstack.Runtime;

/// <summary>
/// A handle was released that is no longer held: released twice. The static twin is TSL1006.
/// </summary>
public sealed class LockNotHeldException : LockException
{
    internal LockNotHeldException(HierarchicalLock owner)
        : base($"The handle of {owner} was already released; a handle is released exactly once.")
    {
        Lock = owner;
    }

    /// <summary>The lock the handle came from.</summary>
    public HierarchicalLock Lock { get; }
}
