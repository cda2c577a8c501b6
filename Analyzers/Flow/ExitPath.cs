using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace Toolstack.Analyzers.Flow;

/// <summary>One way out of the method, with the state on it.</summary>
/// <param name="Semantics">Regular (falling off the end, or a jump out), Return, Throw or Rethrow.</param>
/// <param name="Location">The statement that leaves: a return or throw, or the last one before falling out.</param>
/// <param name="IsReturn">Leaves through a <c>return</c> statement, with or without a value.</param>
/// <param name="Region">The innermost region of the block it leaves from.</param>
internal sealed record ExitPath(ControlFlowBranchSemantics Semantics, LockState State, Location Location, bool IsReturn,
    ControlFlowRegion Region)
{
    public bool IsNormal => Semantics is ControlFlowBranchSemantics.Regular or ControlFlowBranchSemantics.Return;

    public bool IsThrow => Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow;
}
