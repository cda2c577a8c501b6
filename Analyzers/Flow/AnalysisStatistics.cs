using System.Collections.Concurrent;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// What one compilation's analysis did, so tests can see that a method touching no lock is
/// skipped before any graph is built (diagnostics alone cannot tell a skip from a clean run).
/// </summary>
internal sealed class AnalysisStatistics
{
    // Keyed by the first tree: the analyzer driver runs on a copy of the compilation the caller holds.
    private static readonly ConditionalWeakTable<SyntaxTree, AnalysisStatistics> s_byTree =
        new ConditionalWeakTable<SyntaxTree, AnalysisStatistics>();

    private int _blocksSkipped;
    private int _graphsBuilt;

    /// <summary>Operation blocks found lock-free by the pre-scan: no graph, no engine run.</summary>
    public int BlocksSkipped => Volatile.Read(ref _blocksSkipped);

    /// <summary>Control-flow graphs the analyzer asked for (a method's, or a callee's for its summary).</summary>
    public int GraphsBuilt => Volatile.Read(ref _graphsBuilt);

    /// <summary>Every method, lambda and local function the engine ran on (a cycle's members once per round).</summary>
    public ConcurrentQueue<IMethodSymbol> EngineRuns { get; } = new ConcurrentQueue<IMethodSymbol>();

    public static AnalysisStatistics For(Compilation compilation) =>
        compilation.SyntaxTrees.FirstOrDefault() is { } tree ? s_byTree.GetValue(tree, _ => new AnalysisStatistics()) : new AnalysisStatistics();

    public void BlockSkipped() => Interlocked.Increment(ref _blocksSkipped);

    public void GraphBuilt() => Interlocked.Increment(ref _graphsBuilt);
}
