using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// Everything one compilation's analysis shares: the model, and every method's analysis,
/// computed once on demand — for reporting, or as a callee's summary.
/// </summary>
internal sealed class LockAnalysisContext
{
    private readonly Compilation _compilation;
    private readonly ConcurrentDictionary<ISymbol, MethodAnalysis> _analyses =
        new ConcurrentDictionary<ISymbol, MethodAnalysis>(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ISymbol, ControlFlowGraph?> _graphs =
        new ConcurrentDictionary<ISymbol, ControlFlowGraph?>(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ITypeSymbol, bool> _handleTypes =
        new ConcurrentDictionary<ITypeSymbol, bool>(SymbolEqualityComparer.Default);

    public LockAnalysisContext(Compilation compilation, LockModel model, CancellationToken cancellationToken)
    {
        _compilation = compilation;
        Model = model;
        CancellationToken = cancellationToken;
    }

    public LockModel Model { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>The analysis of <paramref name="method"/> over <paramref name="graph"/>, computed once.</summary>
    public MethodAnalysis Analyze(IMethodSymbol method, ControlFlowGraph graph) =>
        _analyses.GetOrAdd(method, _ => LockStateEngine.Analyze(graph, method, this, SummaryStack.Empty.Push(method)));

    /// <summary>
    /// What a method of this compilation does with locks; null for methods without a body here
    /// (metadata, abstract, extern), for which only the attributes count.
    /// </summary>
    public MethodSummary? GetSummary(IMethodSymbol method, SummaryStack stack)
    {
        method = method.OriginalDefinition;
        if (method.PartialImplementationPart is { } implementation)
        {
            method = implementation;
        }

        if (method.IsAbstract || method.IsExtern || method.DeclaringSyntaxReferences.IsEmpty)
        {
            return null;
        }

        if (_analyses.TryGetValue(method, out MethodAnalysis? known))
        {
            return known.Summary;
        }

        if (stack.Contains(method) || stack.Depth >= SummaryStack.MaxDepth)
        {
            return MethodSummary.Empty;
        }

        ControlFlowGraph? graph = GraphOf(method);
        if (graph is null)
        {
            return null;
        }

        MethodAnalysis analysis = LockStateEngine.Analyze(graph, method, this, stack.Push(method));
        return _analyses.GetOrAdd(method, analysis).Summary;
    }

    /// <summary>A handle type is one whose own members release it: <c>[ReleasesLock]</c> without a lock type.</summary>
    public bool IsHandleType(ITypeSymbol type) => _handleTypes.GetOrAdd(type, IsHandleTypeCore);

    private bool IsHandleTypeCore(ITypeSymbol type)
    {
        if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct) || type.SpecialType != SpecialType.None)
        {
            return false;
        }

        foreach (ISymbol member in type.GetMembers())
        {
            if (member is IMethodSymbol { IsStatic: false })
            {
                foreach (LockEffect release in Model.GetContract(member).Releases)
                {
                    if (release.Kind is null)
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private ControlFlowGraph? GraphOf(IMethodSymbol method) => _graphs.GetOrAdd(method, CreateGraph);

    private ControlFlowGraph? CreateGraph(ISymbol symbol)
    {
        var method = (IMethodSymbol)symbol;
        if (method.MethodKind == MethodKind.LocalFunction)
        {
            IMethodSymbol? container = method.ContainingSymbol as IMethodSymbol;
            while (container is { MethodKind: MethodKind.LocalFunction or MethodKind.AnonymousFunction })
            {
                container = container.ContainingSymbol as IMethodSymbol;
            }

            return container is null ? null : FindLocalFunction(GraphOf(container), method);
        }

        if (method.MethodKind == MethodKind.AnonymousFunction)
        {
            return null;
        }

        SyntaxReference reference = method.DeclaringSyntaxReferences[0];
        SyntaxNode node = reference.GetSyntax(CancellationToken);
        if (!_compilation.ContainsSyntaxTree(node.SyntaxTree))
        {
            return null;
        }

#pragma warning disable RS1030 // Interprocedural summaries need the bodies of callees in other trees.
        SemanticModel model = _compilation.GetSemanticModel(node.SyntaxTree);
#pragma warning restore RS1030
        try
        {
            return ControlFlowGraph.Create(node, model, CancellationToken);
        }
        catch (System.ArgumentException)
        {
            // Not an executable body (a declaration without one, or an unsupported form).
            return null;
        }
    }

    private ControlFlowGraph? FindLocalFunction(ControlFlowGraph? graph, IMethodSymbol localFunction)
    {
        if (graph is null)
        {
            return null;
        }

        foreach (IMethodSymbol candidate in graph.LocalFunctions)
        {
            ControlFlowGraph nested = graph.GetLocalFunctionControlFlowGraph(candidate, CancellationToken);
            if (SymbolEqualityComparer.Default.Equals(candidate, localFunction))
            {
                return nested;
            }

            if (FindLocalFunction(nested, localFunction) is { } deeper)
            {
                return deeper;
            }
        }

        return null;
    }
}
