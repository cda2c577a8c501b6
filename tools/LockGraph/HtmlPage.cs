using System.IO;
using System.Linq;
using System.Net;
using Toolstack.Analyzers.Graph;
using Graph = Toolstack.Analyzers.Graph.LockGraph;

namespace Toolstack.LockGraph;

/// <summary>
/// One self-contained page: no external script, style or font. The SVG is drawn here, not by the
/// script, so the page reads without JavaScript; the script adds the click-through to source
/// places and the layer switches.
/// </summary>
internal static class HtmlPage
{
    private const string Style = """
        body { font: 14px/1.4 system-ui, sans-serif; margin: 16px; color: #222; }
        h1 { font-size: 18px; margin: 0 0 8px; }
        .legend { display: flex; flex-wrap: wrap; gap: 16px; margin: 8px 0; align-items: center; }
        .legend label { display: inline-flex; gap: 6px; align-items: center; }
        .swatch { display: inline-block; width: 28px; height: 0; border-top: 2px solid; vertical-align: middle; }
        .swatch.declared { border-top: 2px dotted #9a9a9a; } .swatch.static { border-color: #333; }
        .swatch.observed { border-top: 2px dashed #2a6fdb; } .swatch.against { border-color: #d11a1a; }
        #lockgraph { border: 1px solid #ddd; background: #fff; }
        #lockgraph .row { stroke: #eee; } #lockgraph .level { fill: #888; font-size: 12px; }
        #lockgraph .node > rect { fill: #f6f8fa; stroke: #555; stroke-width: 1.2; }
        #lockgraph .node.slow > rect { fill: #fff7e0; stroke-width: 2.6; }
        #lockgraph .node.field > rect { stroke-dasharray: 4 2; }
        #lockgraph .node text.name { text-anchor: middle; font-weight: 600; }
        #lockgraph .node text.traits { text-anchor: middle; font-size: 11px; fill: #666; }
        #lockgraph .edge path { fill: none; stroke: #333; stroke-width: 1.6; }
        #lockgraph .edge.declared path { stroke: #9a9a9a; stroke-dasharray: 2 4; stroke-width: 1.2; }
        #lockgraph .edge.observed path { stroke: #2a6fdb; stroke-dasharray: 7 4; }
        #lockgraph .edge.against path { stroke: #d11a1a; stroke-width: 2.4; }
        #lockgraph .edge text.count { font-size: 11px; fill: #333; }
        #lockgraph .edge.against text.count { fill: #d11a1a; font-weight: 600; }
        #lockgraph .head.declared { fill: #9a9a9a; } #lockgraph .head.static { fill: #333; }
        #lockgraph .head.observed { fill: #2a6fdb; } #lockgraph .head.against { fill: #d11a1a; }
        #lockgraph .mark rect { fill: #eef3ff; stroke: #7890c8; }
        #lockgraph .mark.forbidden rect { fill: #ffe3e3; stroke: #d11a1a; }
        #lockgraph .mark text { font-size: 11px; }
        #lockgraph .edge, #lockgraph .mark { cursor: pointer; }
        #lockgraph .edge:hover path { stroke-width: 3.5; }
        #lockgraph.hide-declared .edge.declared, #lockgraph.hide-static .edge.static,
        #lockgraph.hide-observed .edge.observed { display: none; }
        #details { margin-top: 10px; padding: 8px; border: 1px solid #ddd; min-height: 2em; font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap; }
        """;

    private const string Script = """
        (function () {
          var svg = document.getElementById('lockgraph');
          var details = document.getElementById('details');
          function show(element) {
            var title = element.querySelector('title');
            var places = JSON.parse(element.getAttribute('data-locations') || '[]');
            details.textContent = (title ? title.textContent.split('\n')[0] : '') + '\n' +
              places.map(function (p) { return (p[0] ? p[0] + ':' + p[1] + '  ' : '') + p[2]; }).join('\n');
          }
          Array.prototype.forEach.call(svg.querySelectorAll('.edge, .mark'), function (element) {
            element.addEventListener('click', function (event) { event.stopPropagation(); show(element); });
          });
          Array.prototype.forEach.call(document.querySelectorAll('input[data-layer]'), function (box) {
            box.addEventListener('change', function () {
              svg.classList.toggle('hide-' + box.getAttribute('data-layer'), !box.checked);
            });
          });
          svg.setAttribute('data-edges', svg.querySelectorAll('.edge:not(.declared)').length);
          svg.setAttribute('data-against', svg.querySelectorAll('.edge.against').length);
          document.body.setAttribute('data-ready', 'true');
        })();
        """;

    public static void Write(Graph graph, string title, TextWriter html)
    {
        int staticEdges = graph.Edges.Count(edge => edge.Source == EdgeSource.Static);
        int observed = graph.Edges.Count(edge => edge.Source == EdgeSource.Observed);
        int against = graph.Edges.Count(edge => edge.AgainstHierarchy);
        html.WriteLine("<!DOCTYPE html>");
        html.WriteLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.WriteLine($"<title>Lock graph: {WebUtility.HtmlEncode(title)}</title>");
        html.WriteLine($"<style>{Style}</style></head><body>");
        html.WriteLine($"<h1>Lock graph: {WebUtility.HtmlEncode(title)}</h1>");
        html.WriteLine($"<p>{graph.Nodes.Length} locks, {staticEdges} static edges, {observed} observed edges, "
            + $"{against} against the hierarchy, {graph.Findings.Length} diagnostics. Rows are levels, outermost at the top; "
            + "an edge goes from the lock held to the lock taken. Click an edge or a mark for its source places.</p>");
        html.WriteLine("<div class=\"legend\">");
        html.WriteLine("<label><input type=\"checkbox\" data-layer=\"declared\" checked><span class=\"swatch declared\"></span>declared (the hierarchy's order)</label>");
        html.WriteLine("<label><input type=\"checkbox\" data-layer=\"static\" checked><span class=\"swatch static\"></span>static (found in the code)</label>");
        html.WriteLine("<label><input type=\"checkbox\" data-layer=\"observed\" checked><span class=\"swatch observed\"></span>observed (runtime validator)</label>");
        html.WriteLine("<span><span class=\"swatch against\"></span> against the hierarchy</span>");
        html.WriteLine("<span>marks under a lock: blocking calls, QMP calls, awaits (red when the lock forbids them); bold box: slow lock</span>");
        html.WriteLine("</div>");
        SvgDrawing.Write(graph, html);
        html.WriteLine("<div id=\"details\">Click an edge or a mark.</div>");
        html.WriteLine($"<script>{Script}</script>");
        html.WriteLine("</body></html>");
    }
}
