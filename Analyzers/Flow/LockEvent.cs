using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>A lock held at an event: on every path to it, or only on some.</summary>
internal readonly record struct HeldLock(Acquisition Acquisition, bool OnEveryPath);

/// <summary>An acquisition a release may give back, with its status just before the release.</summary>
internal readonly record struct ReleaseTarget(Acquisition Acquisition, LockStatus Status);

internal enum LockEventKind
{
    /// <summary>A call (or property read, or construction) of a member the model says something about.</summary>
    Call,

    /// <summary>A lock is acquired.</summary>
    Acquire,

    /// <summary>A lock is released, through a lock or by disposing its handle.</summary>
    Release,

    /// <summary>An <c>await</c>.</summary>
    Await,

    /// <summary>A read or write of a <c>[GuardedBy]</c> field or property: Callee is the member, Required its lock.</summary>
    GuardedAccess,
}

/// <summary>
/// Something the rules care about, with the locks held just before it. The engine records these
/// once, after its fixed point; the rules read them and never walk the graph.
/// </summary>
/// <param name="Operation">The invocation, property reference, object creation or await.</param>
/// <param name="Held">Every lock that may be held just before the event.</param>
/// <param name="Region">The innermost region of the block the event is in.</param>
internal sealed record LockEvent(LockEventKind Kind, IOperation Operation, ImmutableArray<HeldLock> Held, ControlFlowRegion Region)
{
    /// <summary>Locks held only on the paths where a tracked bool has one value (held on some, not every, path).</summary>
    public ImmutableArray<ConditionalHold> HeldWhen { get; init; } = ImmutableArray<ConditionalHold>.Empty;

    /// <summary>Call: the member called.</summary>
    public ISymbol? Callee { get; init; }

    /// <summary>Call: what its attributes say.</summary>
    public MemberContract Contract { get; init; } = MemberContract.None;

    /// <summary>Call: what its body does, for members of this compilation.</summary>
    public MethodSummary? Summary { get; init; }

    /// <summary>Call: the locks the member requires (<c>[RequiresLock]</c>), resolved at this call.</summary>
    public ImmutableArray<RequiredLock> Required { get; init; } = ImmutableArray<RequiredLock>.Empty;

    /// <summary>
    /// Call: the locks the callee takes inside (its summary's), in this method's terms, each with
    /// the chain of calls that reaches it starting at this callee.
    /// </summary>
    public ImmutableArray<SummaryTake> TakenThrough { get; init; } = ImmutableArray<SummaryTake>.Empty;

    /// <summary>Acquire: the acquisition.</summary>
    public Acquisition? Acquired { get; init; }

    /// <summary>Release: the acquisitions the released handle may come from, each with its status before.</summary>
    public ImmutableArray<ReleaseTarget> Targets { get; init; } = ImmutableArray<ReleaseTarget>.Empty;

    /// <summary>Release: the lock released through, or the handle itself.</summary>
    public Releaser? Releaser { get; init; }

    /// <summary>Release through a lock: its type (null when a handle releases itself).</summary>
    public LockKind? ReleaserKind => Releaser?.Kind;

    /// <summary>Release through a lock: which one, when known.</summary>
    public LockPath? ReleaserPath => Releaser?.Path;

    /// <summary>Release through a lock: how diagnostics name it.</summary>
    public LockName? ReleaserName => Releaser?.Name;

    /// <summary>Release: the handle is named by the call (Unlock(h), h.Dispose()), not found by lock path.</summary>
    public bool ByHandle => Releaser?.ByHandle ?? false;

    /// <summary>Whether a lock that satisfies <paramref name="required"/> is held here on every path.</summary>
    public bool HoldsOnEveryPath(RequiredLock required)
    {
        foreach (HeldLock held in Held)
        {
            if (held.OnEveryPath && held.Acquisition.MayBe(required.Kind, required.Path))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a lock that satisfies <paramref name="required"/> may be held here.</summary>
    public bool Holds(RequiredLock required)
    {
        foreach (HeldLock held in Held)
        {
            if (held.Acquisition.MayBe(required.Kind, required.Path))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>What a release goes through.</summary>
/// <param name="Kind">The lock released through (or, by path, the lock released); null when a handle releases itself.</param>
/// <param name="Path">Which lock, when known.</param>
/// <param name="Name">How diagnostics name it; null when a handle releases itself.</param>
/// <param name="ByHandle">The handle is named by the call (Unlock(h), h.Dispose()), not found by lock path.</param>
internal sealed record Releaser(LockKind? Kind, LockPath? Path, LockName? Name, bool ByHandle)
{
    /// <summary>A handle disposing itself.</summary>
    public static Releaser Handle { get; } = new Releaser(null, null, null, ByHandle: true);

    /// <summary>
    /// Releasing <paramref name="acquisition"/> through this lock throws, leaving it held: the lock
    /// is known and is certainly not the acquisition's.
    /// </summary>
    public bool IsWrongFor(Acquisition acquisition) =>
        Kind is not null && acquisition.Kind is not null && !acquisition.MayBe(Kind, Path);
}

/// <summary>A lock a call requires, as the call names it.</summary>
/// <param name="Path">Which lock; null when any lock of <paramref name="Kind"/> will do, or the path is not known.</param>
internal sealed record RequiredLock(LockKind Kind, LockPath? Path, LockName Name);
