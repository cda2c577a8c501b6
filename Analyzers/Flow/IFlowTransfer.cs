using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace Toolstack.Analyzers.Flow;

/// <summary>What one analysis does at each step the <see cref="FlowSolver{TState, TSink}"/> takes.</summary>
internal interface IFlowTransfer<TState, TSink>
{
    /// <summary>Applies one of <paramref name="block"/>'s operations to <paramref name="state"/>.</summary>
    void Operation(IOperation operation, BasicBlock block, TState state, TSink sink);

    /// <summary>Applies <paramref name="block"/>'s branch value (a condition, a returned or thrown value).</summary>
    void BranchValue(BasicBlock block, TState state, TSink sink);

    /// <summary>Narrows the states of a conditional branch's two successors; which of them can happen.</summary>
    (bool Conditional, bool FallThrough) Split(BasicBlock block, TState whenConditional, TState otherwise);

    /// <summary>Control leaves <paramref name="region"/>: what lived only inside it is dead.</summary>
    void LeaveRegion(ControlFlowRegion region, TState state);
}
