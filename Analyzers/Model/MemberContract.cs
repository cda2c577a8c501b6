using System.Collections.Immutable;

namespace Toolstack.Analyzers.Model;

/// <summary>What the runtime's attributes (and the list of standard blocking APIs) say about one member.</summary>
internal sealed class MemberContract
{
    public static readonly MemberContract None = new MemberContract(
        ImmutableArray<LockEffect>.Empty, ImmutableArray<LockEffect>.Empty, ImmutableArray<LockEffect>.Empty,
        requiresUnlocked: false, ImmutableArray<LockKind>.Empty, isBlocking: false);

    public MemberContract(
        ImmutableArray<LockEffect> acquires,
        ImmutableArray<LockEffect> releases,
        ImmutableArray<LockEffect> requiresLocks,
        bool requiresUnlocked,
        ImmutableArray<LockKind> requiresUnlockedKinds,
        bool isBlocking,
        ImmutableArray<LockEffect> tryAcquires = default)
    {
        Acquires = acquires;
        Releases = releases;
        RequiresLocks = requiresLocks;
        RequiresUnlocked = requiresUnlocked;
        RequiresUnlockedKinds = requiresUnlockedKinds;
        IsBlocking = isBlocking;
        TryAcquires = tryAcquires.IsDefault ? ImmutableArray<LockEffect>.Empty : tryAcquires;
    }

    public ImmutableArray<LockEffect> Acquires { get; }

    /// <summary>
    /// Marked <c>[AcquiresInCanonicalOrder]</c>: <see cref="Acquires"/> are locks of one level the
    /// member orders itself (lockdep's nest_lock), returned together in one value.
    /// </summary>
    public bool AcquiresInCanonicalOrder { get; init; }

    public ImmutableArray<LockEffect> Releases { get; }

    public ImmutableArray<LockEffect> RequiresLocks { get; }

    /// <summary>Marked <c>[TryAcquiresLock]</c>: acquires these when it returns true.</summary>
    public ImmutableArray<LockEffect> TryAcquires { get; }

    /// <summary>Marked <c>[RequiresUnlocked]</c>.</summary>
    public bool RequiresUnlocked { get; }

    /// <summary>The lock types it names; empty means every short lock.</summary>
    public ImmutableArray<LockKind> RequiresUnlockedKinds { get; }

    /// <summary>Marked <c>[Blocking]</c>, or a standard blocking API.</summary>
    public bool IsBlocking { get; }

    /// <summary>The hot-plug roles its attributes declare (TSL1011); trusted, its body is not looked into for them.</summary>
    public ImmutableArray<HotplugRole> HotplugRoles { get; init; } = ImmutableArray<HotplugRole>.Empty;

    public bool IsEmpty =>
        Acquires.IsEmpty && TryAcquires.IsEmpty && Releases.IsEmpty && RequiresLocks.IsEmpty && !RequiresUnlocked && !IsBlocking
        && HotplugRoles.IsEmpty;

    /// <summary>Whether this member may not be called while <paramref name="held"/> is held.</summary>
    public bool Forbids(LockKind held) => IsForbidden(RequiresUnlocked, RequiresUnlockedKinds, held);

    /// <summary>
    /// The meaning of <c>[RequiresUnlocked]</c>: without lock types, every short lock is forbidden;
    /// with lock types, exactly those.
    /// </summary>
    public static bool IsForbidden(bool requiresUnlocked, ImmutableArray<LockKind> kinds, LockKind held)
    {
        if (!requiresUnlocked)
        {
            return false;
        }

        if (kinds.IsEmpty)
        {
            return !held.IsSlow;
        }

        foreach (LockKind kind in kinds)
        {
            if (Microsoft.CodeAnalysis.SymbolEqualityComparer.Default.Equals(kind.Type, held.Type))
            {
                return true;
            }
        }

        return false;
    }
}
