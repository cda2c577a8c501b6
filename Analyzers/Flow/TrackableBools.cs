using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// Which <c>bool</c> locals and parameters of one method the conditions may track: those only
/// this method's own simple assignments write. A bool written through <c>ref</c>/<c>out</c>, a
/// compound or deconstructing assignment, or captured by a lambda or local function (which may
/// write it whenever it runs) is never tracked. Found by one walk, on the first question.
/// </summary>
internal sealed class TrackableBools
{
    private readonly ControlFlowGraph _graph;
    private readonly IMethodSymbol _method;
    private HashSet<ISymbol>? _excluded;

    public TrackableBools(ControlFlowGraph graph, IMethodSymbol method)
    {
        _graph = graph;
        _method = method;
    }

    public bool CanTrack(ISymbol symbol)
    {
        bool own = symbol switch
        {
            ILocalSymbol { IsRef: false, Type.SpecialType: SpecialType.System_Boolean } local =>
                SymbolEqualityComparer.Default.Equals(local.ContainingSymbol, _method),
            IParameterSymbol { RefKind: RefKind.None, Type.SpecialType: SpecialType.System_Boolean } parameter =>
                SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, _method),
            _ => false,
        };
        return own && !(_excluded ??= FindExcluded()).Contains(symbol);
    }

    private HashSet<ISymbol> FindExcluded()
    {
        var excluded = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (IOperation operation in _graph.OriginalOperation.DescendantsAndSelf())
        {
            switch (operation)
            {
                case IAnonymousFunctionOperation or ILocalFunctionOperation when operation != _graph.OriginalOperation:
                    foreach (IOperation inner in operation.Descendants())
                    {
                        Exclude(excluded, inner);
                    }

                    break;
                case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument:
                    Exclude(excluded, argument.Value is IDeclarationExpressionOperation declaration ? declaration.Expression : argument.Value);
                    break;
                case ICompoundAssignmentOperation compound:
                    Exclude(excluded, compound.Target);
                    break;
                case ICoalesceAssignmentOperation coalesce:
                    Exclude(excluded, coalesce.Target);
                    break;
                case IDeconstructionAssignmentOperation deconstruction:
                    foreach (IOperation target in deconstruction.Target.DescendantsAndSelf())
                    {
                        Exclude(excluded, target);
                    }

                    break;
                case IAddressOfOperation address:
                    Exclude(excluded, address.Reference);
                    break;
            }
        }

        return excluded;
    }

    private static void Exclude(HashSet<ISymbol> excluded, IOperation operation)
    {
        switch (operation)
        {
            case ILocalReferenceOperation local:
                excluded.Add(local.Local);
                break;
            case IParameterReferenceOperation parameter:
                excluded.Add(parameter.Parameter);
                break;
        }
    }
}
