using System.IO;
using System.Linq;
using Toolstack.Analyzers.Graph;
using Graph = Toolstack.Analyzers.Graph.LockGraph;

namespace Toolstack.LockGraph;

/// <summary>The console's plain-text account of the graph: locks by level, edges, marks, findings.</summary>
internal static class TextSummary
{
    public static void Write(Graph graph, TextWriter text)
    {
        text.WriteLine($"locks ({graph.Nodes.Length}, outermost first):");
        foreach (GraphNode node in graph.Nodes)
        {
            string level = node.Level is { } value ? value.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-";
            string traits = (node.IsSlow ? " slow" : "") + (node.ForbidsBlocking ? " forbids-blocking" : "");
            text.WriteLine($"  {level,5}  {node.Name}{traits}");
        }

        foreach (EdgeSource source in new[] { EdgeSource.Static, EdgeSource.Observed })
        {
            GraphEdge[] edges = graph.Edges.Where(edge => edge.Source == source).ToArray();
            if (source == EdgeSource.Observed && edges.Length == 0)
            {
                continue;
            }

            text.WriteLine($"{source.ToString().ToLowerInvariant()} edges ({edges.Length}, held -> taken):");
            foreach (GraphEdge edge in edges)
            {
                string verdict = edge.AgainstHierarchy ? "  AGAINST THE HIERARCHY" : "";
                text.WriteLine($"  {NameOf(graph, edge.From)} -> {NameOf(graph, edge.To)}  x{edge.Count}{verdict}");
                foreach (SourceSpot spot in edge.Locations.Where(_ => edge.AgainstHierarchy))
                {
                    text.WriteLine($"      {Place(spot)}");
                }
            }
        }

        text.WriteLine($"under a lock ({graph.Marks.Length}):");
        foreach (GraphMark mark in graph.Marks)
        {
            string verdict = mark.Forbidden ? "  FORBIDDEN" : "";
            text.WriteLine($"  {NameOf(graph, mark.Lock)}: {mark.Kind.ToString().ToLowerInvariant()} x{mark.Count}{verdict}");
        }

        text.WriteLine($"findings ({graph.Findings.Length}):");
        foreach (var group in graph.Findings.GroupBy(finding => finding.Id).OrderBy(group => group.Key, System.StringComparer.Ordinal))
        {
            text.WriteLine($"  {group.Key} x{group.Count()}");
        }
    }

    public static string Place(SourceSpot spot) =>
        spot.Line > 0 ? $"{spot.File}:{spot.Line}:{spot.Column}  {spot.Detail}" : spot.Detail;

    private static string NameOf(Graph graph, string id) =>
        graph.Nodes.FirstOrDefault(node => node.Id == id)?.Name ?? id;
}
