using System.IO;
using System.Linq;
using Toolstack.Analyzers.Graph;
using Graph = Toolstack.Analyzers.Graph.LockGraph;

namespace Toolstack.LockGraph;

/// <summary>Graphviz: one rank per level, edges against the hierarchy red, observed edges dashed.</summary>
internal static class DotWriter
{
    public static void Write(Graph graph, TextWriter dot)
    {
        dot.WriteLine("digraph lockgraph {");
        dot.WriteLine("  rankdir=TB;");
        dot.WriteLine("  node [shape=box, style=rounded, fontname=\"sans-serif\"];");
        foreach (var level in graph.Nodes.GroupBy(node => node.Level))
        {
            dot.WriteLine("  { rank=same;");
            foreach (GraphNode node in level)
            {
                string levelText = node.Level is { } value ? "level " + value : "no level";
                string slow = node.IsSlow ? ", slow" : "";
                string marks = string.Join(" ", graph.Marks.Where(mark => mark.Lock == node.Id)
                    .Select(mark => $"{mark.Kind.ToString().ToLowerInvariant()}×{mark.Count}{(mark.Forbidden ? "!" : "")}"));
                string label = $"{node.Name}\\n{levelText}{slow}" + (marks.Length > 0 ? "\\n" + marks : "");
                string style = node.IsSlow ? ", style=\"rounded,bold\"" : "";
                dot.WriteLine($"    {Quote(node.Id)} [label={Quote(label)}{style}];");
            }

            dot.WriteLine("  }");
        }

        foreach (GraphEdge edge in graph.Edges)
        {
            string attributes = edge.Source switch
            {
                EdgeSource.Declared => "style=dotted, color=gray, arrowhead=empty",
                EdgeSource.Observed => $"style=dashed, color={(edge.AgainstHierarchy ? "red" : "blue")}, label=\"observed ×{edge.Count}\"",
                _ => $"color={(edge.AgainstHierarchy ? "red" : "black")}, label=\"×{edge.Count}\"",
            };
            dot.WriteLine($"  {Quote(edge.From)} -> {Quote(edge.To)} [{attributes}];");
        }

        dot.WriteLine("}");
    }

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\\\\n", "\\n") + "\"";
}
