using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Toolstack.Analyzers.Graph;
using Graph = Toolstack.Analyzers.Graph.LockGraph;

namespace Toolstack.LockGraph;

/// <summary>Joins the runtime's observed edges to the static graph, and shortens paths for the reader.</summary>
internal static class GraphMerge
{
    /// <summary>
    /// The static graph with <paramref name="observed"/>'s edges (as observed) and any lock the
    /// static analysis did not see (a lock type of a library the project does not reference).
    /// </summary>
    public static Graph WithObserved(Graph graph, Graph observed)
    {
        ImmutableArray<GraphNode> extra = observed.Nodes
            .Where(node => graph.Nodes.All(known => known.Id != node.Id))
            .ToImmutableArray();
        ImmutableArray<GraphEdge> edges = observed.Edges
            .Select(edge => edge with { Source = EdgeSource.Observed })
            .ToImmutableArray();
        return graph with
        {
            Nodes = graph.Nodes.AddRange(extra)
                .OrderBy(node => node.Level ?? int.MaxValue).ThenBy(node => node.Id, StringComparer.Ordinal).ToImmutableArray(),
            Edges = graph.Edges.AddRange(edges),
        };
    }

    /// <summary>Every source path relative to <paramref name="directory"/> (the project's or solution's), '/'-separated.</summary>
    public static Graph RelativeTo(Graph graph, string directory)
    {
        SourceSpot Relative(SourceSpot spot) => spot.File.Length == 0 || !Path.IsPathRooted(spot.File)
            ? spot
            : spot with { File = Path.GetRelativePath(directory, spot.File).Replace('\\', '/') };

        return graph with
        {
            Edges = graph.Edges.Select(edge => edge with { Locations = edge.Locations.Select(Relative).ToImmutableArray() })
                .ToImmutableArray(),
            Marks = graph.Marks.Select(mark => mark with { Locations = mark.Locations.Select(Relative).ToImmutableArray() })
                .ToImmutableArray(),
            Findings = graph.Findings.Select(finding => finding with { Where = Relative(finding.Where) }).ToImmutableArray(),
        };
    }
}
