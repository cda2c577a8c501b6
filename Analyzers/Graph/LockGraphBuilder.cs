using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Toolstack.Analyzers.Graph;

/// <summary>
/// Runs the analyzer — the very <see cref="LockAnalyzer"/> the compiler loads — over compilations
/// with a <see cref="GraphCollector"/> watching, and folds what it saw into one
/// <see cref="LockGraph"/>: nodes by id, edges and marks counted, locations sorted.
/// </summary>
internal sealed class LockGraphBuilder
{
    private readonly GraphCollector _collector = new GraphCollector();
    private readonly List<GraphFinding> _findings = new List<GraphFinding>();

    /// <summary>Analyses <paramref name="compilation"/>; a compilation without the runtime adds nothing.</summary>
    public async Task AddAsync(Compilation compilation, AnalyzerOptions options, CancellationToken ct)
    {
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new LockAnalyzer(_collector));
        CompilationWithAnalyzers run = compilation.WithAnalyzers(analyzers, options);
        ImmutableArray<Diagnostic> diagnostics = await run.GetAnalyzerDiagnosticsAsync(ct).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in diagnostics)
        {
            _findings.Add(new GraphFinding(diagnostic.Id, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture),
                GraphCollector.Spot(diagnostic.Location, diagnostic.Id)));
        }
    }

    public LockGraph Build()
    {
        // Declared first: a lock object seen only in use (no [LockLevel]) still gets its node.
        ImmutableArray<GraphNode> nodes = _collector.Declared
            .Concat(_collector.Edges.SelectMany(edge => new[] { edge.Held, edge.Taken }))
            .Concat(_collector.Marks.Select(mark => mark.Held))
            .GroupBy(node => node.Id)
            .Select(group => group.First())
            .OrderBy(node => node.Level ?? int.MaxValue).ThenBy(node => node.Id, System.StringComparer.Ordinal)
            .ToImmutableArray();

        ImmutableArray<GraphEdge> edges = _collector.Edges
            .GroupBy(edge => (From: edge.Held.Id, To: edge.Taken.Id))
            .Select(group =>
            {
                RawEdge first = group.First();
                ImmutableArray<SourceSpot> spots = Sorted(group.Select(edge => edge.Where));
                return new GraphEdge(group.Key.From, group.Key.To, EdgeSource.Static, spots.Length,
                    GraphNodes.AgainstHierarchy(first.Held, first.Taken), spots);
            })
            .Concat(DeclaredEdges(nodes))
            .OrderBy(edge => edge.Source).ThenBy(edge => edge.From, System.StringComparer.Ordinal)
            .ThenBy(edge => edge.To, System.StringComparer.Ordinal)
            .ToImmutableArray();

        ImmutableArray<GraphMark> marks = _collector.Marks
            .GroupBy(mark => (Lock: mark.Held.Id, mark.Kind))
            .Select(group =>
            {
                ImmutableArray<SourceSpot> spots = Sorted(group.Select(mark => mark.Where));
                return new GraphMark(group.Key.Lock, group.Key.Kind, spots.Length, group.Any(mark => mark.Forbidden), spots);
            })
            .OrderBy(mark => mark.Lock, System.StringComparer.Ordinal).ThenBy(mark => mark.Kind)
            .ToImmutableArray();

        ImmutableArray<GraphFinding> findings = _findings
            .Distinct()
            .OrderBy(finding => finding.Where.File, System.StringComparer.Ordinal)
            .ThenBy(finding => finding.Where.Line).ThenBy(finding => finding.Id, System.StringComparer.Ordinal)
            .ToImmutableArray();

        return new LockGraph(nodes, edges, marks, findings);
    }

    /// <summary>What the hierarchy allows, drawn as steps from each level to the next one down.</summary>
    private static IEnumerable<GraphEdge> DeclaredEdges(ImmutableArray<GraphNode> nodes)
    {
        List<IGrouping<int, GraphNode>> levels = nodes
            .Where(node => node.Level is not null)
            .GroupBy(node => node.Level!.Value)
            .OrderBy(level => level.Key)
            .ToList();
        for (int i = 0; i + 1 < levels.Count; i++)
        {
            foreach (GraphNode outer in levels[i])
            {
                foreach (GraphNode inner in levels[i + 1])
                {
                    yield return new GraphEdge(outer.Id, inner.Id, EdgeSource.Declared, 0, AgainstHierarchy: false,
                        ImmutableArray<SourceSpot>.Empty);
                }
            }
        }
    }

    // Spots are unique per place and detail: one operation seen under two held locks is one edge each.
    private static ImmutableArray<SourceSpot> Sorted(IEnumerable<SourceSpot> spots) => spots
        .Distinct()
        .OrderBy(spot => spot.File, System.StringComparer.Ordinal).ThenBy(spot => spot.Line).ThenBy(spot => spot.Column)
        .ToImmutableArray();
}
