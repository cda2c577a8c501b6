using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// Everything one compilation's analysis shares: the model, and every method's analysis,
/// computed once on demand — for reporting, or as a callee's summary. Summaries are computed
/// callees first, recursive cycles as a whole (<see cref="RecursiveSummaries"/>).
/// </summary>
internal sealed class LockAnalysisContext : ISummarySource
{
    private readonly Compilation _compilation;
    private readonly ConcurrentDictionary<ISymbol, MethodAnalysis> _analyses =
        new ConcurrentDictionary<ISymbol, MethodAnalysis>(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ISymbol, ControlFlowGraph?> _graphs =
        new ConcurrentDictionary<ISymbol, ControlFlowGraph?>(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ITypeSymbol, bool> _handleTypes =
        new ConcurrentDictionary<ITypeSymbol, bool>(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<SyntaxTree, SemanticModel> _semanticModels =
        new ConcurrentDictionary<SyntaxTree, SemanticModel>();
    private readonly RecursiveSummaries _summaries;

    public LockAnalysisContext(Compilation compilation, LockModel model, CancellationToken cancellationToken)
    {
        _compilation = compilation;
        Model = model;
        CancellationToken = cancellationToken;
        _summaries = new RecursiveSummaries(this);
        Relevance = new LockRelevance(this);
        Statistics = AnalysisStatistics.For(compilation);
        PassThroughMethods = FindPassThroughMethods(compilation);
    }

    /// <summary>
    /// <c>ConfigureAwait</c> of <c>Task&lt;T&gt;</c> and <c>ValueTask&lt;T&gt;</c>: the standard API the flow of
    /// handles must see through (an acquisition's task, configured, still yields its handle).
    /// </summary>
    public ImmutableHashSet<IMethodSymbol> PassThroughMethods { get; }

    public LockModel Model { get; }

    /// <summary>Which methods may involve a lock at all: the others get no graph and no engine run.</summary>
    public LockRelevance Relevance { get; }

    public AnalysisStatistics Statistics { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>The analysis of <paramref name="method"/> over <paramref name="graph"/>, computed once.</summary>
    public MethodAnalysis Analyze(IMethodSymbol method, ControlFlowGraph graph)
    {
        if (_analyses.TryGetValue(method, out MethodAnalysis? known))
        {
            return known;
        }

        if (SymbolEqualityComparer.Default.Equals(SummaryBody(method), method))
        {
            // A method others may call: analysed as part of the call graph, with its callees' final summaries.
            _graphs.TryAdd(method, graph);
            _summaries.Complete(method);
            return _analyses[method];
        }

        // A lambda, or a lock type's own member: nothing calls it through a summary.
        return _analyses.GetOrAdd(method, _ => LockStateEngine.Analyze(graph, method, this, this));
    }

    /// <inheritdoc />
    public MethodSummary? SummaryOf(IMethodSymbol body)
    {
        // A callee that reaches no lock has an inert summary: no need to build its graph to know it.
        if (SummaryBody(body) is not { } method || !Relevance.MayInvolveLocks(method) || GraphOf(method) is null)
        {
            return null;
        }

        if (!_analyses.TryGetValue(method, out MethodAnalysis? known))
        {
            _summaries.Complete(method);
            known = _analyses[method];
        }

        return known.Summary;
    }

    /// <summary>
    /// The method whose body a call to <paramref name="method"/> runs, if this compilation has it
    /// and it is not a lock type's own member (those are what their attributes say).
    /// </summary>
    public IMethodSymbol? SummaryBody(IMethodSymbol method)
    {
        method = method.OriginalDefinition;
        if (method.PartialImplementationPart is { } implementation)
        {
            method = implementation;
        }

        return method.IsAbstract || method.IsExtern || method.DeclaringSyntaxReferences.IsEmpty
            || method.MethodKind == MethodKind.AnonymousFunction || Model.GetLockKind(method.ContainingType) is not null
            ? null
            : method;
    }

    public bool IsStored(IMethodSymbol method) => _analyses.ContainsKey(method);

    /// <summary>Keeps a final analysis; the first stored wins (concurrent ones are equal).</summary>
    public void Store(IMethodSymbol method, MethodAnalysis analysis) => _analyses.TryAdd(method, analysis);

    private static ImmutableHashSet<IMethodSymbol> FindPassThroughMethods(Compilation compilation)
    {
        var methods = ImmutableHashSet.CreateBuilder<IMethodSymbol>(SymbolEqualityComparer.Default);
        foreach (string metadataName in new[] { "System.Threading.Tasks.Task`1", "System.Threading.Tasks.ValueTask`1" })
        {
            if (compilation.GetTypeByMetadataName(metadataName) is { } type)
            {
                methods.UnionWith(type.GetMembers(nameof(System.Threading.Tasks.Task.ConfigureAwait)).OfType<IMethodSymbol>());
            }
        }

        return methods.ToImmutable();
    }

    /// <summary>A handle type is one whose own members release it: <c>[ReleasesLock]</c> without a lock type.</summary>
    /// <remarks>Memoised by the original definition (what contracts are read from): one lookup per generic type, not per construction.</remarks>
    public bool IsHandleType(ITypeSymbol type) => _handleTypes.GetOrAdd(type.OriginalDefinition, IsHandleTypeCore);

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

    public ControlFlowGraph? GraphOf(IMethodSymbol method) => _graphs.GetOrAdd(method, CreateGraph);

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
        SemanticModel model = SemanticModelOf(node.SyntaxTree);
#pragma warning restore RS1030
        try
        {
            Statistics.GraphBuilt();
            return ControlFlowGraph.Create(node, model, CancellationToken);
        }
        catch (System.ArgumentException)
        {
            // Not an executable body (a declaration without one, or an unsupported form).
            return null;
        }
    }

    /// <summary>The operation of <paramref name="method"/>'s declaration, if this compilation has its body.</summary>
    public IOperation? BodyOperation(IMethodSymbol method)
    {
        if (method.DeclaringSyntaxReferences.IsEmpty)
        {
            return null;
        }

        SyntaxNode node = method.DeclaringSyntaxReferences[0].GetSyntax(CancellationToken);
        return _compilation.ContainsSyntaxTree(node.SyntaxTree)
            ? SemanticModelOf(node.SyntaxTree).GetOperation(node, CancellationToken)
            : null;
    }

    // One semantic model per tree: a fresh one per callee would bind the tree's members again each time.
#pragma warning disable RS1030 // Interprocedural summaries need the bodies of callees in other trees.
    private SemanticModel SemanticModelOf(SyntaxTree tree) => _semanticModels.GetOrAdd(tree, t => _compilation.GetSemanticModel(t));
#pragma warning restore RS1030

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
