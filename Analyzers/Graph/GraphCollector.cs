using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Flow;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Graph;

/// <summary>
/// Turns the engine's events into raw edges and marks as the analyzer produces them: an
/// acquisition (direct, or inside a callee through its summary) under every lock held on every
/// path to it is an edge; a blocking call, a <c>[RequiresUnlocked]</c> call or an <c>await</c> is a
/// mark on each lock held there. "Held on every path" is the rules' own test, so a red edge is a
/// TSL1001 and a forbidden mark a TSL1002, TSL1004 or TSL1007.
/// </summary>
internal sealed class GraphCollector : AnalysisObserver
{
    public ConcurrentQueue<RawEdge> Edges { get; } = new ConcurrentQueue<RawEdge>();

    public ConcurrentQueue<RawMark> Marks { get; } = new ConcurrentQueue<RawMark>();

    public ConcurrentQueue<GraphNode> Declared { get; } = new ConcurrentQueue<GraphNode>();

    public override void CompilationStarted(Compilation compilation, LockModel model)
    {
        foreach (GraphNode node in HierarchyScan.Declared(compilation, model))
        {
            Declared.Enqueue(node);
        }
    }

    public override void Analyzed(MethodAnalysis analysis)
    {
        foreach (LockEvent lockEvent in analysis.Events)
        {
            switch (lockEvent.Kind)
            {
                case LockEventKind.Acquire when lockEvent.Acquired is { Kind: { } kind } acquired:
                    AddEdges(lockEvent, GraphNodes.For(kind, acquired.Path), "takes " + Rules.MessageText.Describe(acquired.Name));
                    break;
                case LockEventKind.Call:
                    AddCall(lockEvent);
                    break;
                case LockEventKind.Await:
                    AddMarks(lockEvent, MarkKind.Await, held => !held.IsSlow, "await");
                    break;
            }
        }
    }

    private void AddCall(LockEvent call)
    {
        string callee = call.Callee is null ? "call" : Rules.MessageText.CallName(call.Callee);
        foreach (SummaryTake take in call.TakenThrough)
        {
            AddEdges(call, GraphNodes.For(take.Kind, take.Path),
                $"takes {Rules.MessageText.Describe(take.Name)} through {Rules.MessageText.Chain(take.Chain.Calls)}");
        }

        if (call.Contract.IsBlocking || call.Summary is { IsBlocking: true })
        {
            AddMarks(call, MarkKind.Blocking, held => held.ForbidsBlocking, callee);
        }

        if (call.Contract.RequiresUnlocked || call.Summary is { RequiresUnlocked: true })
        {
            AddMarks(call, MarkKind.Qmp, held => ForbidsUnlockedCall(call, held), callee);
        }
    }

    private static bool ForbidsUnlockedCall(LockEvent call, LockKind held)
    {
        if (call.Contract.RequiresUnlocked)
        {
            if (call.Contract.RequiresUnlockedKinds.IsEmpty)
            {
                return !held.IsSlow;
            }

            foreach (LockKind named in call.Contract.RequiresUnlockedKinds)
            {
                if (SymbolEqualityComparer.Default.Equals(named.Type, held.Type))
                {
                    return true;
                }
            }
        }

        return call.Summary is { } summary && summary.Forbids(held);
    }

    private void AddEdges(LockEvent lockEvent, GraphNode? taken, string detail)
    {
        if (taken is null)
        {
            return;
        }

        SourceSpot where = Spot(lockEvent.Operation.Syntax.GetLocation(), detail);
        foreach (HeldLock held in lockEvent.Held)
        {
            if (held.OnEveryPath && held.Acquisition.Kind is { } outer && GraphNodes.For(outer, held.Acquisition.Path) is { } from)
            {
                Edges.Enqueue(new RawEdge(from, taken, where));
            }
        }
    }

    private void AddMarks(LockEvent lockEvent, MarkKind kind, System.Func<LockKind, bool> forbids, string detail)
    {
        SourceSpot where = Spot(lockEvent.Operation.Syntax.GetLocation(), detail);
        foreach (HeldLock held in lockEvent.Held)
        {
            if (held.OnEveryPath && held.Acquisition.Kind is { } holder && GraphNodes.For(holder, held.Acquisition.Path) is { } node)
            {
                Marks.Enqueue(new RawMark(node, kind, forbids(holder), where));
            }
        }
    }

    internal static SourceSpot Spot(Location location, string detail)
    {
        FileLinePositionSpan span = location.GetLineSpan();
        return new SourceSpot(span.Path ?? "", span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1, detail);
    }
}

/// <summary>One acquisition of <paramref name="Taken"/> while <paramref name="Held"/> is held.</summary>
internal sealed record RawEdge(GraphNode Held, GraphNode Taken, SourceSpot Where);

/// <summary>One blocking call, QMP call or await while <paramref name="Held"/> is held.</summary>
internal sealed record RawMark(GraphNode Held, MarkKind Kind, bool Forbidden, SourceSpot Where);
