namespace Toolstack.Runtime;

/// <summary>
/// A handle was released through a lock other than the one that issued it (another type, or
/// another instance of the same type). The handle stays held. The static twin is TSL1003.
/// </summary>
public sealed class WrongLockException : LockException
{
    internal WrongLockException(HierarchicalLock issuer, HierarchicalLock releaser)
        : base($"A handle of {issuer} cannot be released through {releaser}: " +
               $"release it through {issuer}, which issued it.")
    {
        Issuer = issuer;
        Releaser = releaser;
    }

    /// <summary>The lock that issued the handle, and still holds it.</summary>
    public HierarchicalLock Issuer { get; }

    /// <summary>The lock the release was attempted through.</summary>
    public HierarchicalLock Releaser { get; }
}
