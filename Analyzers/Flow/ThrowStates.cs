using System.Collections.Generic;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// For each finally region, the join of the states an exception may reach it with: the states
/// before every operation of its try that may throw, and what the finally regions nested in that
/// try leave on the way out. Each region is handed out once, innermost first; states that arrive
/// for a region already handed out (a try/finally inside a finally, reached again by the outer
/// one's exceptional run) are not run a second time.
/// </summary>
internal sealed class ThrowStates<TState>
    where TState : class, IFlowState<TState>
{
    private readonly Dictionary<ControlFlowRegion, TState> _pending = new Dictionary<ControlFlowRegion, TState>();
    private readonly HashSet<ControlFlowRegion> _done = new HashSet<ControlFlowRegion>();

    /// <summary>
    /// The finally region of the innermost try around <paramref name="region"/> that has one: where
    /// an exception thrown there goes first (catch handlers may not catch it; they are seeded apart).
    /// </summary>
    public static ControlFlowRegion? EnclosingFinally(ControlFlowRegion? region)
    {
        for (ControlFlowRegion? current = region; current is { Kind: not ControlFlowRegionKind.Root }; current = current.EnclosingRegion)
        {
            if (current.Kind == ControlFlowRegionKind.Try && current.EnclosingRegion is { Kind: ControlFlowRegionKind.TryAndFinally } tryAndFinally)
            {
                foreach (ControlFlowRegion handler in tryAndFinally.NestedRegions)
                {
                    if (handler.Kind == ControlFlowRegionKind.Finally)
                    {
                        return handler;
                    }
                }
            }
        }

        return null;
    }

    /// <summary>An exception may reach <paramref name="finallyRegion"/> with <paramref name="state"/>.</summary>
    public void Add(ControlFlowRegion? finallyRegion, TState state)
    {
        if (finallyRegion is null || _done.Contains(finallyRegion))
        {
            return;
        }

        if (_pending.TryGetValue(finallyRegion, out TState? joined))
        {
            joined.JoinWith(state);
        }
        else
        {
            _pending[finallyRegion] = state.Clone();
        }
    }

    /// <summary>The pending region that ends first (nested regions end before those around them), with its state.</summary>
    public (ControlFlowRegion Region, TState State)? TakeInnermost()
    {
        ControlFlowRegion? innermost = null;
        foreach (ControlFlowRegion region in _pending.Keys)
        {
            if (innermost is null || region.LastBlockOrdinal < innermost.LastBlockOrdinal)
            {
                innermost = region;
            }
        }

        if (innermost is null)
        {
            return null;
        }

        TState state = _pending[innermost];
        _pending.Remove(innermost);
        _done.Add(innermost);
        return (innermost, state);
    }
}
