using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Text.Json;
using Toolstack.Analyzers.Graph;
using Graph = Toolstack.Analyzers.Graph.LockGraph;

namespace Toolstack.LockGraph;

/// <summary>
/// The inline SVG: rows by level, a box per lock (slow locks bold, with their marks under the box),
/// an arrow per edge with its count. Every edge and mark carries its source places in
/// <c>data-locations</c> for the page's click, and a <c>title</c> for hover.
/// </summary>
internal static class SvgDrawing
{
    public static void Write(Graph graph, TextWriter svg)
    {
        var layout = new SvgLayout(graph);
        svg.WriteLine(FormattableString.Invariant(
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"lockgraph\" width=\"{layout.Width:0}\" height=\"{layout.Height:0}\" viewBox=\"0 0 {layout.Width:0} {layout.Height:0}\">"));
        svg.WriteLine("<defs>");
        foreach (string kind in new[] { "declared", "static", "observed", "against" })
        {
            svg.WriteLine($"<marker id=\"arrow-{kind}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path class=\"head {kind}\" d=\"M 0 0 L 10 5 L 0 10 z\"/></marker>");
        }

        svg.WriteLine("</defs>");
        WriteRows(layout, svg);
        svg.WriteLine("<g class=\"edges\">");
        foreach (GraphEdge edge in graph.Edges)
        {
            WriteEdge(graph, layout, edge, svg);
        }

        svg.WriteLine("</g>");
        svg.WriteLine("<g class=\"nodes\">");
        foreach (GraphNode node in graph.Nodes)
        {
            WriteNode(graph, layout, node, svg);
        }

        svg.WriteLine("</g>");
        svg.WriteLine("</svg>");
    }

    private static void WriteRows(SvgLayout layout, TextWriter svg)
    {
        svg.WriteLine("<g class=\"rows\">");
        foreach ((int? level, double y) in layout.Rows)
        {
            string label = level is { } value ? "level " + value.ToString(System.Globalization.CultureInfo.InvariantCulture) : "no level";
            svg.WriteLine(FormattableString.Invariant(
                $"<line class=\"row\" x1=\"{SvgLayout.Margin:0}\" y1=\"{y - 14:0}\" x2=\"{layout.Width - SvgLayout.Margin:0}\" y2=\"{y - 14:0}\"/>"));
            svg.WriteLine(FormattableString.Invariant(
                $"<text class=\"level\" x=\"{SvgLayout.Margin:0}\" y=\"{y + 28:0}\">{label}</text>"));
        }

        svg.WriteLine("</g>");
    }

    private static void WriteEdge(Graph graph, SvgLayout layout, GraphEdge edge, TextWriter svg)
    {
        if (!layout.TryGetBox(edge.From, out Box from) || !layout.TryGetBox(edge.To, out Box to))
        {
            return;
        }

        int lane = edge.Source switch { EdgeSource.Static => -1, EdgeSource.Observed => 1, _ => 0 };
        (string path, double labelX, double labelY) = SvgLayout.Curve(from, to, lane);
        string source = edge.Source.ToString().ToLowerInvariant();
        string classes = "edge " + source + (edge.AgainstHierarchy ? " against" : "");
        string arrow = edge.AgainstHierarchy ? "against" : source;
        string title = $"{Name(graph, edge.From)} → {Name(graph, edge.To)}: {source}"
            + (edge.Source == EdgeSource.Declared ? " (the hierarchy allows it)" : $" ×{edge.Count}")
            + (edge.AgainstHierarchy ? ", against the hierarchy" : "")
            + string.Concat(edge.Locations.Take(20).Select(spot => "\n" + TextSummary.Place(spot)));
        svg.WriteLine($"<g class=\"{classes}\" data-from=\"{Attr(edge.From)}\" data-to=\"{Attr(edge.To)}\" data-count=\"{edge.Count}\" data-locations=\"{Attr(Locations(edge.Locations))}\">");
        svg.WriteLine($"<title>{Text(title)}</title>");
        svg.WriteLine($"<path d=\"{path}\" marker-end=\"url(#arrow-{arrow})\"/>");
        if (edge.Source != EdgeSource.Declared)
        {
            svg.WriteLine(FormattableString.Invariant(
                $"<text class=\"count\" x=\"{labelX + 4:0.#}\" y=\"{labelY - 3:0.#}\">×{edge.Count}</text>"));
        }

        svg.WriteLine("</g>");
    }

    private static void WriteNode(Graph graph, SvgLayout layout, GraphNode node, TextWriter svg)
    {
        if (!layout.TryGetBox(node.Id, out Box box))
        {
            return;
        }

        string classes = "node" + (node.IsSlow ? " slow" : "") + (node.ForbidsBlocking ? " forbids-blocking" : "")
            + (node.Origin == NodeOrigin.LockField ? " field" : "");
        string traits = (node.IsSlow ? "slow" : "short") + (node.ForbidsBlocking ? ", no blocking" : "")
            + (node.Origin == NodeOrigin.LockField ? ", field" : "");
        svg.WriteLine($"<g class=\"{classes}\" data-id=\"{Attr(node.Id)}\" data-level=\"{node.Level}\">");
        svg.WriteLine($"<title>{Text(node.Id)} ({traits})</title>");
        svg.WriteLine(FormattableString.Invariant(
            $"<rect x=\"{box.X:0.#}\" y=\"{box.Y:0.#}\" width=\"{Box.Width:0}\" height=\"{Box.Height:0}\" rx=\"8\"/>"));
        svg.WriteLine(FormattableString.Invariant(
            $"<text class=\"name\" x=\"{box.CenterX:0.#}\" y=\"{box.Y + 21:0.#}\">{Text(node.Name)}</text>"));
        svg.WriteLine(FormattableString.Invariant(
            $"<text class=\"traits\" x=\"{box.CenterX:0.#}\" y=\"{box.Y + 38:0.#}\">{Text(traits)}</text>"));
        double x = box.X;
        foreach (GraphMark mark in graph.Marks.Where(mark => mark.Lock == node.Id))
        {
            string kind = mark.Kind.ToString().ToLowerInvariant();
            string label = $"{kind} ×{mark.Count}";
            double width = 16 + (label.Length * 6.5);
            string title = $"{kind} while {node.Name} is held ×{mark.Count}{(mark.Forbidden ? " (forbidden)" : "")}"
                + string.Concat(mark.Locations.Take(20).Select(spot => "\n" + TextSummary.Place(spot)));
            svg.WriteLine($"<g class=\"mark {kind}{(mark.Forbidden ? " forbidden" : "")}\" data-lock=\"{Attr(node.Id)}\" data-kind=\"{kind}\" data-count=\"{mark.Count}\" data-locations=\"{Attr(Locations(mark.Locations))}\">");
            svg.WriteLine($"<title>{Text(title)}</title>");
            svg.WriteLine(FormattableString.Invariant(
                $"<rect x=\"{x:0.#}\" y=\"{box.Bottom + 5:0.#}\" width=\"{width:0.#}\" height=\"18\" rx=\"9\"/>"));
            svg.WriteLine(FormattableString.Invariant(
                $"<text x=\"{x + 8:0.#}\" y=\"{box.Bottom + 18:0.#}\">{Text(label)}</text>"));
            svg.WriteLine("</g>");
            x += width + 4;
        }

        svg.WriteLine("</g>");
    }

    private static string Locations(System.Collections.Immutable.ImmutableArray<SourceSpot> spots) =>
        JsonSerializer.Serialize(spots.Select(spot => new[] { spot.File, spot.Line.ToString(System.Globalization.CultureInfo.InvariantCulture), spot.Detail }));

    private static string Name(Graph graph, string id) => graph.Nodes.FirstOrDefault(node => node.Id == id)?.Name ?? id;

    private static string Attr(string text) => WebUtility.HtmlEncode(text);

    private static string Text(string text) => WebUtility.HtmlEncode(text);
}
