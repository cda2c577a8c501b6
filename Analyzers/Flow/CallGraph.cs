using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// Which bodies a call runs, and so which methods of this compilation a method's summary
/// depends on: the edges along which <see cref="RecursiveSummaries"/> finds recursive cycles.
/// </summary>
internal static class CallGraph
{
    /// <summary>
    /// The body a call to <paramref name="callee"/> at <paramref name="operation"/> runs: the method,
    /// or the accessor a property access runs (the setter when assigned).
    /// </summary>
    public static IMethodSymbol? BodyOf(IOperation operation, ISymbol callee) =>
        callee as IMethodSymbol
        ?? (IsAssignmentTarget(operation) ? (callee as IPropertySymbol)?.SetMethod : (callee as IPropertySymbol)?.GetMethod);

    /// <summary>Every body the operations of <paramref name="graph"/> call, as <see cref="BodyOf"/> names it.</summary>
    public static IEnumerable<IMethodSymbol> CalledBodies(ControlFlowGraph graph)
    {
        foreach (BasicBlock block in graph.Blocks)
        {
            foreach (IOperation root in block.Operations)
            {
                foreach (IMethodSymbol body in CalledBodies(root))
                {
                    yield return body;
                }
            }

            if (block.BranchValue is not null)
            {
                foreach (IMethodSymbol body in CalledBodies(block.BranchValue))
                {
                    yield return body;
                }
            }
        }
    }

    private static IEnumerable<IMethodSymbol> CalledBodies(IOperation root)
    {
        foreach (IOperation operation in root.DescendantsAndSelf())
        {
            IMethodSymbol? body = operation switch
            {
                IInvocationOperation invocation => BodyOf(invocation, invocation.TargetMethod),
                IObjectCreationOperation { Constructor: { } constructor } creation => BodyOf(creation, constructor),
                IPropertyReferenceOperation property => BodyOf(property, property.Property),
                _ => null,
            };

            if (body is not null)
            {
                yield return body;
            }
        }
    }

    private static bool IsAssignmentTarget(IOperation operation) =>
        operation.Parent is IAssignmentOperation assignment && assignment.Target == operation;
}
