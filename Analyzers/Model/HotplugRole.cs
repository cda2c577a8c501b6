using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Model;

/// <summary>The four roles of libxl's hot-plug invariant (TSL1011), one per runtime attribute.</summary>
internal enum HotplugRoleKind
{
    /// <summary><c>[AddsToPrimaryConfig]</c>: needs a describe since the lock was taken.</summary>
    AddsToPrimary,

    /// <summary><c>[RemovesFromPrimaryConfig]</c>: allows removals from the JSON config.</summary>
    RemovesFromPrimary,

    /// <summary><c>[DescribesInJsonConfig]</c>: allows additions to the primary config.</summary>
    DescribesInJson,

    /// <summary><c>[RemovesFromJsonConfig]</c>: needs a primary removal since the lock was taken.</summary>
    RemovesFromJson,
}

/// <summary>One role a member plays for the hot-plug invariant, under its relevant lock.</summary>
/// <param name="Lock">The relevant lock type; null for the attribute's default, the slow lock (any lock declared slow).</param>
internal sealed record HotplugRole(HotplugRoleKind Kind, LockKind? Lock)
{
    /// <summary>Whether a held lock of <paramref name="held"/> is this role's relevant lock.</summary>
    public bool IsRelevant(LockKind held) =>
        Lock is null ? held.IsSlow : SymbolEqualityComparer.Default.Equals(Lock.Type, held.Type);

    /// <summary>Whether <paramref name="other"/> names the same relevant lock.</summary>
    public bool SameLock(HotplugRole other) =>
        Lock is null ? other.Lock is null : other.Lock is not null && SymbolEqualityComparer.Default.Equals(Lock.Type, other.Lock.Type);

    public bool Needs => Kind is HotplugRoleKind.AddsToPrimary or HotplugRoleKind.RemovesFromJson;

    /// <summary>For a role that needs a step (an add, a JSON removal): the role that provides it.</summary>
    public HotplugRoleKind Provider => Kind == HotplugRoleKind.AddsToPrimary ? HotplugRoleKind.DescribesInJson : HotplugRoleKind.RemovesFromPrimary;
}
