using System;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// A data-flow state the <see cref="FlowSolver{TState, TSink}"/> can carry: copied per block,
/// joined where paths meet, compared to cache what a finally region makes of it.
/// </summary>
internal interface IFlowState<TState> : IEquatable<TState>
    where TState : class, IFlowState<TState>
{
    TState Clone();

    /// <summary>Adds every path of <paramref name="other"/> to this state; true if anything changed.</summary>
    bool JoinWith(TState other);
}
