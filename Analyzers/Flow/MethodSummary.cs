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

/// <summary>What a method of this compilation does with locks, as its callers see it.</summary>
internal sealed class MethodSummary
{
    public static readonly MethodSummary Empty = new MethodSummary(
        ImmutableArray<SummaryAcquire>.Empty, ImmutableArray<SummaryRelease>.Empty,
        ImmutableArray<string>.Empty, requiresUnlocked: false, ImmutableArray<LockKind>.Empty, ImmutableArray<string>.Empty);

    public MethodSummary(
        ImmutableArray<SummaryAcquire> acquires,
        ImmutableArray<SummaryRelease> releases,
        ImmutableArray<string> blockingChain,
        bool requiresUnlocked,
        ImmutableArray<LockKind> requiresUnlockedKinds,
        ImmutableArray<string> requiresUnlockedChain)
    {
        Acquires = acquires;
        Releases = releases;
        BlockingChain = blockingChain;
        RequiresUnlocked = requiresUnlocked;
        RequiresUnlockedKinds = requiresUnlockedKinds;
        RequiresUnlockedChain = requiresUnlockedChain;
    }

    public ImmutableArray<SummaryAcquire> Acquires { get; }

    public ImmutableArray<SummaryRelease> Releases { get; }

    /// <summary>Empty when the method cannot block; otherwise the calls that lead to the wait, callee first.</summary>
    public ImmutableArray<string> BlockingChain { get; }

    /// <summary>The method (transitively) calls a <c>[RequiresUnlocked]</c> member.</summary>
    public bool RequiresUnlocked { get; }

    /// <summary>The lock types named; empty with <see cref="RequiresUnlocked"/> means every short lock.</summary>
    public ImmutableArray<LockKind> RequiresUnlockedKinds { get; }

    /// <summary>The calls that lead to the <c>[RequiresUnlocked]</c> member, callee first.</summary>
    public ImmutableArray<string> RequiresUnlockedChain { get; }

    public bool IsBlocking => !BlockingChain.IsEmpty;

    public bool Forbids(LockKind held) => MemberContract.IsForbidden(RequiresUnlocked, RequiresUnlockedKinds, held);
}
