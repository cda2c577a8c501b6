using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Toolstack.Analyzers.Flow;

/// <summary>Where a way out of a method is in the source: the return, the throw, or the statement it leaves from.</summary>
internal sealed class ExitLocations
{
    private readonly ControlFlowGraph _graph;
    private readonly IMethodSymbol _method;
    private List<IReturnOperation>? _valuelessReturns;
    private List<int>? _operationStarts;

    public ExitLocations(ControlFlowGraph graph, IMethodSymbol method)
    {
        _graph = graph;
        _method = method;
    }

    /// <summary>The exit <paramref name="branch"/> takes out of <paramref name="block"/>, with the state on it.</summary>
    public ExitPath Exit(BasicBlock block, ControlFlowBranch branch, LockState state)
    {
        (Location location, bool isReturn) = LocationOf(block, branch);
        return new ExitPath(branch.Semantics, state, location, isReturn, block.EnclosingRegion);
    }

    private (Location Location, bool IsReturn) LocationOf(BasicBlock block, ControlFlowBranch branch)
    {
        if (branch.Semantics == ControlFlowBranchSemantics.Return && block.BranchValue?.Syntax.Parent is { } returned)
        {
            return (returned.GetLocation(), true);
        }

        if (block.BranchValue is not null && branch.Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow)
        {
            return ((block.BranchValue.Syntax.Parent ?? block.BranchValue.Syntax).GetLocation(), false);
        }

        IOperation? last = block.BranchValue ?? block.Operations.LastOrDefault();
        if (last is null)
        {
            return (_method.Locations.FirstOrDefault() ?? Location.None, false);
        }

        if (branch.Semantics == ControlFlowBranchSemantics.Regular && ValuelessReturnAfter(last) is { } valueless)
        {
            return (valueless.Syntax.GetLocation(), true);
        }

        // A conditional way out (a loop's condition): the statement it belongs to.
        SyntaxNode leaving = block.BranchValue is not null ? block.BranchValue.Syntax.Parent ?? last.Syntax : last.Syntax;
        return (leaving.GetLocation(), false);
    }

    /// <summary>
    /// A <c>return;</c> leaves no operation in the graph: it is the one that comes right after
    /// the block's last operation in the source, before any other operation of the method.
    /// </summary>
    private IReturnOperation? ValuelessReturnAfter(IOperation last)
    {
        List<IReturnOperation> returns = _valuelessReturns ??= ValuelessReturns();
        List<int> starts = _operationStarts ??= OperationStarts();

        int end = last.Syntax.Span.End;
        IReturnOperation? next = null;
        foreach (IReturnOperation candidate in returns)
        {
            int start = candidate.Syntax.SpanStart;
            if (start >= end && (next is null || start < next.Syntax.SpanStart))
            {
                next = candidate;
            }
        }

        if (next is null)
        {
            return null;
        }

        foreach (int start in starts)
        {
            if (start >= end && start < next.Syntax.SpanStart)
            {
                return null;
            }
        }

        return next;
    }

    private List<IReturnOperation> ValuelessReturns()
    {
        var returns = new List<IReturnOperation>();
        foreach (IOperation operation in _graph.OriginalOperation.DescendantsAndSelf())
        {
            if (operation is IReturnOperation { ReturnedValue: null, Kind: OperationKind.Return } valueless
                && OwnedByThisBody(valueless))
            {
                returns.Add(valueless);
            }
        }

        return returns;
    }

    private List<int> OperationStarts()
    {
        var starts = new List<int>();
        foreach (BasicBlock block in _graph.Blocks)
        {
            foreach (IOperation operation in block.Operations)
            {
                starts.Add(operation.Syntax.SpanStart);
            }

            if (block.BranchValue is not null)
            {
                starts.Add(block.BranchValue.Syntax.SpanStart);
            }
        }

        return starts;
    }

    /// <summary>Not inside a lambda or local function nested in the body.</summary>
    private bool OwnedByThisBody(IOperation operation)
    {
        for (IOperation? parent = operation.Parent; parent is not null && parent != _graph.OriginalOperation; parent = parent.Parent)
        {
            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return false;
            }
        }

        return true;
    }
}
