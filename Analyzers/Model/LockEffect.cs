namespace Toolstack.Analyzers.Model;

/// <summary>One lock an attribute says a member acquires, releases or requires.</summary>
internal sealed class LockEffect
{
    public LockEffect(LockKind? kind, LockTarget target)
    {
        Kind = kind;
        Target = target;
    }

    /// <summary>The lock type; null for <c>[ReleasesLock]</c> on a handle (releases its own lock).</summary>
    public LockKind? Kind { get; }

    public LockTarget Target { get; }
}
