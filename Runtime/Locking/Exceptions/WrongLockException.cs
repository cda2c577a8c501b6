namespace Toolstack.Runtime;

/// <summary>
/// A handle was released through a lock other than the one that issued it (another type, or
/// another instance of the same type). The handle stays held. The static twin is TSL1003.
/// </summary>
public sealed class WrongLockException : LockException
{
    internal WrongLockException(HierarchicalLock issuer, HierarchicalLock releaser)
        : base(Describe(issuer, releaser))
    {
        Issuer = issuer;
        Releaser = releaser;
    }

    /// <summary>The lock that issued the handle, and still holds it.</summary>
    public HierarchicalLock Issuer { get; }

    /// <summary>The lock the release was attempted through.</summary>
    public HierarchicalLock Releaser { get; }

    private static string Describe(HierarchicalLock issuer, HierarchicalLock releaser)
    {
        // Two locks of one type and name (two JsonLock objects for one domain) are still two locks.
        string through = issuer.ToString() == releaser.ToString() ? $"another instance of {releaser}" : releaser.ToString();
        return $"A handle of {issuer} cannot be released through {through}: release it through {issuer}, which issued it.";
    }
}
