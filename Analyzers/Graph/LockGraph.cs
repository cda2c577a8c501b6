using System.Collections.Immutable;

namespace Toolstack.Analyzers.Graph;

/// <summary>Where a node of the drawing comes from.</summary>
internal enum NodeOrigin
{
    /// <summary>A lock type: <c>[LockLevel]</c> on the type (the four standard locks, user lock types).</summary>
    LockType,

    /// <summary>A lock object placed in the hierarchy by <c>[LockLevel]</c> on its field or property.</summary>
    LockField,
}

/// <summary>Who says a lock is taken while another is held.</summary>
internal enum EdgeSource
{
    /// <summary>The hierarchy allows it: one level to the next.</summary>
    Declared,

    /// <summary>The analyzer's engine found it in the code.</summary>
    Static,

    /// <summary>The runtime validator saw it happen (lockdep's view), read from its dump.</summary>
    Observed,
}

/// <summary>Something done while a lock is held that the hierarchy cares about.</summary>
internal enum MarkKind
{
    /// <summary>A call that may sleep or wait (<c>[Blocking]</c>, a blocking API, or a helper reaching one).</summary>
    Blocking,

    /// <summary>A <c>[RequiresUnlocked]</c> call: every QMP call, or a helper reaching one.</summary>
    Qmp,

    /// <summary>An <c>await</c>.</summary>
    Await,
}

/// <summary>A place in the source, for the page's hover and click.</summary>
/// <param name="Detail">What happens there, e.g. the call chain that takes the lock.</param>
internal sealed record SourceSpot(string File, int Line, int Column, string Detail);

/// <summary>A lock of the hierarchy: a row position by <paramref name="Level"/>.</summary>
/// <param name="Id">Stable across tools: the lock type's full metadata name, or <c>Type.field</c> for a lock object.</param>
/// <param name="Level">Smaller is outer; null for a lock object without a declared level.</param>
internal sealed record GraphNode(string Id, string Name, int? Level, bool IsSlow, bool ForbidsBlocking, NodeOrigin Origin);

/// <summary>A lock taken (<paramref name="To"/>) while another (<paramref name="From"/>) is held.</summary>
/// <param name="AgainstHierarchy">The held lock is not strictly outer to the taken one (TSL1001's and the validator's test).</param>
internal sealed record GraphEdge(string From, string To, EdgeSource Source, int Count, bool AgainstHierarchy,
    ImmutableArray<SourceSpot> Locations);

/// <summary>Calls or awaits of one kind made while <paramref name="Lock"/> is held.</summary>
/// <param name="Forbidden">The lock forbids them (a rule reports them).</param>
internal sealed record GraphMark(string Lock, MarkKind Kind, int Count, bool Forbidden, ImmutableArray<SourceSpot> Locations);

/// <summary>A diagnostic the same analysis reported, for the summary.</summary>
internal sealed record GraphFinding(string Id, string Message, SourceSpot Where);

/// <summary>The lock graph of one or more compilations: what the page, the dot and the JSON output draw.</summary>
internal sealed record LockGraph(
    ImmutableArray<GraphNode> Nodes,
    ImmutableArray<GraphEdge> Edges,
    ImmutableArray<GraphMark> Marks,
    ImmutableArray<GraphFinding> Findings)
{
    public static LockGraph Empty { get; } = new LockGraph(ImmutableArray<GraphNode>.Empty, ImmutableArray<GraphEdge>.Empty,
        ImmutableArray<GraphMark>.Empty, ImmutableArray<GraphFinding>.Empty);
}
