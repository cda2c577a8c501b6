using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// A forward data-flow over a control-flow graph, generic over the state: blocks are revisited
/// only when their input grows, to a fixed point; then one recording pass runs every block once
/// from its final input and hands what it finds to a sink. Finally regions run inline on every
/// branch that leaves through them (solved once per entry state, recorded from that solve); an exception anywhere
/// in a try reaches its catch handlers, after the finally regions it leaves on the way. A finally
/// region is recorded a second time for the exceptions leaving its try, from the states at the
/// throwing points there, joined (see <see cref="ThrowStates{TState}"/>).
/// </summary>
internal sealed class FlowSolver<TState, TSink>
    where TState : class, IFlowState<TState>
{
    /// <summary>Sees a branch that leaves the blocks being solved, with the state on it.</summary>
    public delegate void LeaveHandler(ControlFlowBranch branch, TState state, BasicBlock from);

    private readonly ControlFlowGraph _graph;
    private readonly IFlowTransfer<TState, TSink> _transfer;
    private readonly Pass _solving;
    private readonly CancellationToken _cancellationToken;
    // Per finally region and entry state: its solved inputs and what it leaves, so the recording
    // pass records from them instead of solving the region again (that re-solve was half the
    // recording pass on a method of 1,800 using/try-finally regions).
    private readonly Dictionary<(ControlFlowRegion, TState), FinallyRun> _finallyRuns =
        new Dictionary<(ControlFlowRegion, TState), FinallyRun>();
    private readonly ThrowStates<TState> _throws = new ThrowStates<TState>();

    /// <param name="silent">The sink of the solving passes and of exceptional paths: it must record nothing.</param>
    public FlowSolver(ControlFlowGraph graph, IFlowTransfer<TState, TSink> transfer, TSink silent, CancellationToken cancellationToken)
    {
        _graph = graph;
        _transfer = transfer;
        _solving = new Pass(FlowPass.Solve, silent);
        _cancellationToken = cancellationToken;
    }

    private enum FlowPass
    {
        /// <summary>Towards the fixed point: nothing recorded, finally results cached.</summary>
        Solve,

        /// <summary>Once over the final states: every event recorded, the finally regions' among them.</summary>
        Record,
    }

    /// <summary>
    /// Solves the whole graph from <paramref name="entry"/>, then records into <paramref name="sink"/>;
    /// <paramref name="onExit"/> sees every way out of the graph in the recording pass.
    /// </summary>
    public void Run(TState entry, TSink sink, LeaveHandler onExit)
    {
        var all = new BlockRange(0, _graph.Blocks.Length - 1);
        TState?[] inputs = Solve(0, entry, all, onLeave: null);
        Record(inputs, all, new Pass(FlowPass.Record, sink), onExit);
    }

    /// <summary>
    /// After <see cref="Run"/>: records into <paramref name="onThrowSink"/> every finally region an
    /// exception may reach, entered with the join of the states at the throwing points of its try.
    /// </summary>
    public void RunFinallyOnThrow(TSink onThrowSink)
    {
        // Innermost first: what an inner finally leaves is where the next one out starts; its own
        // throwing points reach the next one out too.
        var onThrow = new Pass(FlowPass.Record, onThrowSink);
        while (_throws.TakeInnermost() is { } pending)
        {
            if (RunFinally(pending.Region, pending.State, onThrow) is { } leaving)
            {
                _throws.Add(FinallyOnThrow(pending.Region.EnclosingRegion), leaving);
            }
        }
    }

    private TState?[] Solve(int entryOrdinal, TState entry, BlockRange range, LeaveHandler? onLeave)
    {
        // Indexed from the range's first block: a finally region's solve must not cost the whole graph's size.
        var inputs = new TState?[range.Last - range.First + 1];
        inputs[entryOrdinal - range.First] = entry;
        var pending = new SortedSet<int> { entryOrdinal };
        while (pending.Count > 0)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            int ordinal = pending.Min;
            pending.Remove(ordinal);
            Transfer(_graph.Blocks[ordinal], inputs[ordinal - range.First]!, range, (target, state) =>
            {
                if (Merge(inputs, target - range.First, state))
                {
                    pending.Add(target);
                }
            }, onLeave, _solving);
        }

        return inputs;
    }

    private void Record(TState?[] inputs, BlockRange range, Pass pass, LeaveHandler onLeave)
    {
        for (int ordinal = range.First; ordinal <= range.Last; ordinal++)
        {
            if (inputs[ordinal - range.First] is { } input)
            {
                Transfer(_graph.Blocks[ordinal], input, range, (_, _) => { }, onLeave, pass);
            }
        }
    }

    private static bool Merge(TState?[] inputs, int target, TState state)
    {
        if (inputs[target] is null)
        {
            inputs[target] = state.Clone();
            return true;
        }

        return inputs[target]!.JoinWith(state);
    }

    private void Transfer(BasicBlock block, TState input, BlockRange range, Action<int, TState> flowTo,
        LeaveHandler? onLeave, Pass pass)
    {
        TState state = input.Clone();

        // An exception thrown by an operation reaches the catch handlers with the state before it.
        bool catches = HasCatchAbove(block, range);
        // ... and the finally of the innermost try around it, once the states are final.
        ControlFlowRegion? finallyOnThrow = pass.Kind == FlowPass.Record ? FinallyOnThrow(block.EnclosingRegion) : null;
        foreach (IOperation operation in block.Operations)
        {
            if (catches)
            {
                SeedHandlers(block, state, range, flowTo);
            }

            _throws.Add(finallyOnThrow, state);
            _transfer.Operation(operation, block, state, pass.Sink);
        }

        if (block.BranchValue is not null)
        {
            if (catches)
            {
                SeedHandlers(block, state, range, flowTo);
            }

            _throws.Add(finallyOnThrow, state);

            _transfer.BranchValue(block, state, pass.Sink);
        }

        if (block.ConditionalSuccessor is { } conditional)
        {
            TState whenConditional = state.Clone();
            TState otherwise = state;
            (bool conditionalFeasible, bool otherwiseFeasible) = _transfer.Split(block, whenConditional, otherwise);
            if (conditionalFeasible)
            {
                Follow(conditional, whenConditional, block, range, flowTo, onLeave, pass);
            }

            if (otherwiseFeasible && block.FallThroughSuccessor is { } fallThrough)
            {
                Follow(fallThrough, otherwise, block, range, flowTo, onLeave, pass);
            }
        }
        else if (block.FallThroughSuccessor is { } fallThrough)
        {
            Follow(fallThrough, state, block, range, flowTo, onLeave, pass);
        }
    }

    private void Follow(ControlFlowBranch branch, TState state, BasicBlock from, BlockRange range,
        Action<int, TState> flowTo, LeaveHandler? onLeave, Pass pass)
    {
        TState? current = state;
        foreach (ControlFlowRegion region in branch.FinallyRegions)
        {
            current = RunFinally(region, current, pass);
            if (current is null)
            {
                return;
            }
        }

        foreach (ControlFlowRegion left in branch.LeavingRegions)
        {
            _transfer.LeaveRegion(left, current);
        }

        BasicBlock? destination = branch.Destination;
        if (destination is null || destination.Kind == BasicBlockKind.Exit || !range.Contains(destination.Ordinal))
        {
            onLeave?.Invoke(branch, current, from);
            return;
        }

        flowTo(destination.Ordinal, current);
    }

    /// <summary>The state after a finally region entered with <paramref name="state"/>; null if it never completes.</summary>
    private TState? RunFinally(ControlFlowRegion region, TState state, Pass pass)
    {
        bool known = _finallyRuns.TryGetValue((region, state), out FinallyRun? run);
        if (known && pass.Kind == FlowPass.Solve)
        {
            return run!.Result?.Clone();
        }

        TState? result = null;
        LeaveHandler collect = (branch, leaving, _) =>
        {
            if (branch.Destination is null && branch.Semantics == ControlFlowBranchSemantics.StructuredExceptionHandling)
            {
                if (result is null)
                {
                    result = leaving.Clone();
                }
                else
                {
                    result.JoinWith(leaving);
                }
            }
        };

        var range = new BlockRange(region.FirstBlockOrdinal, region.LastBlockOrdinal);

        // The inputs of a solve from an equal entry state are the fixed point of this one too.
        TState?[] inputs = known ? run!.Inputs : Solve(region.FirstBlockOrdinal, state.Clone(), range, collect);
        if (pass.Kind == FlowPass.Record)
        {
            result = null;
            Record(inputs, range, pass, collect);
        }
        else
        {
            _finallyRuns[(region, state.Clone())] = new FinallyRun(inputs, result?.Clone());
        }

        return result;
    }

    /// <summary>
    /// An exception anywhere in a try block reaches its catch handlers — after the finally blocks
    /// (a <c>using</c>'s dispose among them) of every try it leaves on the way. The exceptional
    /// path's finally runs are not events of their own: they are solved, never recorded.
    /// </summary>
    private void SeedHandlers(BasicBlock block, TState state, BlockRange range, Action<int, TState> flowTo)
    {
        TState? current = state.Clone();
        // Up to this graph's root only: a lambda's graph sits in the regions of the graph around it,
        // whose handlers are not its own (running them here indexed past the lambda's blocks).
        for (ControlFlowRegion? region = block.EnclosingRegion;
            region is not null && region.Kind != ControlFlowRegionKind.Root && current is not null;
            region = region.EnclosingRegion)
        {
            if (region.Kind != ControlFlowRegionKind.Try || region.EnclosingRegion is not { } tryAndHandlers)
            {
                continue;
            }

            foreach (ControlFlowRegion handler in tryAndHandlers.NestedRegions)
            {
                if (current is null)
                {
                    break;
                }

                if (IsCatch(handler, range))
                {
                    flowTo(handler.FirstBlockOrdinal, current);
                }
                else if (handler.Kind == ControlFlowRegionKind.Finally)
                {
                    current = RunFinally(handler, current, _solving);
                }
            }
        }
    }

    /// <summary>
    /// The finally region an exception thrown in <paramref name="region"/> reaches first, when it
    /// is one of this graph's: a lambda's graph sits in regions of the graph around it.
    /// </summary>
    private ControlFlowRegion? FinallyOnThrow(ControlFlowRegion? region)
    {
        ControlFlowRegion? found = ThrowStates<TState>.EnclosingFinally(region);
        if (found is null || found.LastBlockOrdinal >= _graph.Blocks.Length)
        {
            return null;
        }

        for (ControlFlowRegion? owner = _graph.Blocks[found.FirstBlockOrdinal].EnclosingRegion; owner is not null; owner = owner.EnclosingRegion)
        {
            if (owner == found)
            {
                return found;
            }
        }

        return null;
    }

    private static bool HasCatchAbove(BasicBlock block, BlockRange range)
    {
        // Up to this graph's root: a lambda's graph sits in the regions of the graph around it.
        for (ControlFlowRegion? region = block.EnclosingRegion; region is { Kind: not ControlFlowRegionKind.Root }; region = region.EnclosingRegion)
        {
            if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion is { } tryAndHandlers)
            {
                foreach (ControlFlowRegion handler in tryAndHandlers.NestedRegions)
                {
                    if (IsCatch(handler, range))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static bool IsCatch(ControlFlowRegion handler, BlockRange range) =>
        handler.Kind is ControlFlowRegionKind.Catch or ControlFlowRegionKind.FilterAndHandler
        && range.Contains(handler.FirstBlockOrdinal) && range.Contains(handler.LastBlockOrdinal);

    /// <summary>A finally region solved from one entry state: the input of each of its blocks, and what it leaves.</summary>
    private sealed record FinallyRun(TState?[] Inputs, TState? Result);

    /// <summary>Which pass, and the sink it reports to.</summary>
    private readonly record struct Pass(FlowPass Kind, TSink Sink);

    /// <summary>The blocks being solved: the whole graph, or one finally region.</summary>
    private readonly record struct BlockRange(int First, int Last)
    {
        public bool Contains(int ordinal) => ordinal >= First && ordinal <= Last;
    }
}
