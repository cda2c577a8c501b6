using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>A lock held at an event: on every path to it, or only on some.</summary>
internal readonly struct HeldLock
{
    public HeldLock(Acquisition acquisition, bool onEveryPath)
    {
        Acquisition = acquisition;
        OnEveryPath = onEveryPath;
    }

    public Acquisition Acquisition { get; }

    public bool OnEveryPath { get; }
}

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
}

/// <summary>
/// Something the rules care about, with the locks held just before it. The engine records these
/// once, after its fixed point; the rules read them and never walk the graph.
/// </summary>
internal sealed class LockEvent
{
    public LockEvent(LockEventKind kind, IOperation operation, ImmutableArray<HeldLock> held, ControlFlowRegion region)
    {
        Kind = kind;
        Operation = operation;
        Held = held;
        Region = region;
    }

    public LockEventKind Kind { get; }

    /// <summary>The invocation, property reference, object creation or await.</summary>
    public IOperation Operation { get; }

    /// <summary>Every lock that may be held just before the event.</summary>
    public ImmutableArray<HeldLock> Held { get; }

    /// <summary>The innermost region of the block the event is in.</summary>
    public ControlFlowRegion Region { get; }

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
    public ImmutableArray<(Acquisition Acquisition, byte Status)> Targets { get; init; } =
        ImmutableArray<(Acquisition, byte)>.Empty;

    /// <summary>Release through a lock: its type (null when a handle releases itself).</summary>
    public LockKind? ReleaserKind { get; init; }

    /// <summary>Release through a lock: which one, when known.</summary>
    public LockPath? ReleaserPath { get; init; }

    /// <summary>Release through a lock: how diagnostics name it.</summary>
    public string? ReleaserDisplay { get; init; }

    /// <summary>Release: the handle is named by the call (Unlock(h), h.Dispose()), not found by lock path.</summary>
    public bool ByHandle { get; init; }

    /// <summary>Whether a lock that satisfies <paramref name="required"/> may be held here.</summary>
    public bool Holds(RequiredLock required)
    {
        foreach (HeldLock held in Held)
        {
            Acquisition acquisition = held.Acquisition;
            if (acquisition.Kind is { } kind && SymbolEqualityComparer.Default.Equals(kind.Type, required.Kind.Type)
                && (required.Path is null || acquisition.Path is null || required.Path.Equals(acquisition.Path)))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A lock a call requires, as the call names it.</summary>
internal sealed class RequiredLock
{
    public RequiredLock(LockKind kind, LockPath? path, string display)
    {
        Kind = kind;
        Path = path;
        Display = display;
    }

    public LockKind Kind { get; }

    /// <summary>Which lock; null when any lock of <see cref="Kind"/> will do, or the path is not known.</summary>
    public LockPath? Path { get; }

    public string Display { get; }
}

/// <summary>One way out of the method, with the state on it.</summary>
internal sealed class ExitPath
{
    public ExitPath(ControlFlowBranchSemantics semantics, LockState state, Location location, bool isReturn,
        ControlFlowRegion region)
    {
        Semantics = semantics;
        State = state;
        Location = location;
        IsReturn = isReturn;
        Region = region;
    }

    /// <summary>Regular (falling off the end, or a jump out), Return, Throw or Rethrow.</summary>
    public ControlFlowBranchSemantics Semantics { get; }

    public LockState State { get; }

    /// <summary>The statement that leaves: a return or throw, or the last one before falling out.</summary>
    public Location Location { get; }

    /// <summary>Leaves through a <c>return</c> statement, with or without a value.</summary>
    public bool IsReturn { get; }

    /// <summary>The innermost region of the block it leaves from.</summary>
    public ControlFlowRegion Region { get; }

    public bool IsNormal => Semantics is ControlFlowBranchSemantics.Regular or ControlFlowBranchSemantics.Return;

    public bool IsThrow => Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow;
}
