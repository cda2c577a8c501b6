using System.Collections.Immutable;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>A lock a method leaves held on every normal way out, in the method's own terms.</summary>
internal sealed class SummaryAcquire
{
    public SummaryAcquire(LockKind kind, LockPath? path, bool returnsHandle)
    {
        Kind = kind;
        Path = path;
        ReturnsHandle = returnsHandle;
    }

    public LockKind Kind { get; }

    /// <summary>Rooted at a parameter, <c>this</c> or a static member; null when not expressible.</summary>
    public LockPath? Path { get; }

    /// <summary>The method returns the handle.</summary>
    public bool ReturnsHandle { get; }
}

/// <summary>A lock a method releases that it did not take: a handle parameter, or a lock held on entry.</summary>
internal sealed class SummaryRelease
{
    public SummaryRelease(int? handleParameter, LockKind? kind, LockPath? path, bool throughLock)
    {
        HandleParameter = handleParameter;
        Kind = kind;
        Path = path;
        ThroughLock = throughLock;
    }

    /// <summary>The ordinal of the handle parameter released, or null for a release by lock path.</summary>
    public int? HandleParameter { get; }

    /// <summary>The lock released through (or the lock released, by path); null when the handle releases itself.</summary>
    public LockKind? Kind { get; }

    public LockPath? Path { get; }

    public bool ThroughLock { get; }
}

/// <summary>A lock a method takes at some point (and may release again), in the method's own terms.</summary>
internal sealed class SummaryTake
{
    public SummaryTake(LockKind kind, LockPath? path, string display, ImmutableArray<string> chain)
    {
        Kind = kind;
        Path = path;
        Display = display;
        Chain = chain;
    }

    public LockKind Kind { get; }

    public LockPath? Path { get; }

    /// <summary>How the method names it, for when <see cref="Path"/> cannot be rebased.</summary>
    public string Display { get; }

    /// <summary>The calls inside the method that lead to the acquisition, outermost first (empty: the method itself).</summary>
    public ImmutableArray<string> Chain { get; }
}

/// <summary>One <c>[RequiresUnlocked]</c> requirement a method inherits from a call it makes.</summary>
internal sealed class UnlockRequirement
{
    public UnlockRequirement(LockKind? kind, ImmutableArray<string> chain)
    {
        Kind = kind;
        Chain = chain;
    }

    /// <summary>The forbidden lock type; null for every short lock.</summary>
    public LockKind? Kind { get; }

    /// <summary>The calls that lead to the <c>[RequiresUnlocked]</c> member, outermost first.</summary>
    public ImmutableArray<string> Chain { get; }

    public bool Forbids(LockKind held) => Kind is null
        ? !held.IsSlow
        : Microsoft.CodeAnalysis.SymbolEqualityComparer.Default.Equals(Kind.Type, held.Type);
}

/// <summary>What a method of this compilation does with locks, as its callers see it.</summary>
internal sealed class MethodSummary
{
    public static readonly MethodSummary Empty = new MethodSummary(
        ImmutableArray<SummaryAcquire>.Empty, ImmutableArray<SummaryRelease>.Empty, ImmutableArray<SummaryTake>.Empty,
        ImmutableArray<string>.Empty, ImmutableArray<UnlockRequirement>.Empty, ImmutableArray<RequiredLock>.Empty);

    public MethodSummary(
        ImmutableArray<SummaryAcquire> acquires,
        ImmutableArray<SummaryRelease> releases,
        ImmutableArray<SummaryTake> takes,
        ImmutableArray<string> blockingChain,
        ImmutableArray<UnlockRequirement> unlockRequirements,
        ImmutableArray<RequiredLock> requiredLocks)
    {
        Acquires = acquires;
        Releases = releases;
        Takes = takes;
        BlockingChain = blockingChain;
        UnlockRequirements = unlockRequirements;
        RequiredLocks = requiredLocks;
    }

    /// <summary>
    /// For a local function: the <c>[RequiresLock]</c> locks its body needs and does not take
    /// itself. It cannot be annotated with locks it captures, so its callers must hold them.
    /// </summary>
    public ImmutableArray<RequiredLock> RequiredLocks { get; }

    /// <summary>Locks left held on every normal way out.</summary>
    public ImmutableArray<SummaryAcquire> Acquires { get; }

    public ImmutableArray<SummaryRelease> Releases { get; }

    /// <summary>Every lock the method takes, directly or through its callees: the caller must hold only outer ones.</summary>
    public ImmutableArray<SummaryTake> Takes { get; }

    /// <summary>Empty when the method cannot block; otherwise the calls that lead to the wait, outermost first.</summary>
    public ImmutableArray<string> BlockingChain { get; }

    public ImmutableArray<UnlockRequirement> UnlockRequirements { get; }

    public bool IsBlocking => !BlockingChain.IsEmpty;

    /// <summary>The method (transitively) calls a <c>[RequiresUnlocked]</c> member.</summary>
    public bool RequiresUnlocked => !UnlockRequirements.IsEmpty;

    /// <summary>The requirement that forbids holding <paramref name="held"/> at a call, or null.</summary>
    public UnlockRequirement? RequirementForbidding(LockKind held)
    {
        foreach (UnlockRequirement requirement in UnlockRequirements)
        {
            if (requirement.Forbids(held))
            {
                return requirement;
            }
        }

        return null;
    }

    public bool Forbids(LockKind held) => RequirementForbidding(held) is not null;
}
