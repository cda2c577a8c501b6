using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Graph = Toolstack.Analyzers.Graph.LockGraph;

namespace Toolstack.LockGraph;

/// <summary>One run: analyse, join the observed edges, write the drawing, print the summary.</summary>
internal static class Runner
{
    public static async Task<int> RunAsync(ToolOptions options, TextWriter console, TextWriter errors)
    {
        if (!File.Exists(options.Input))
        {
            await errors.WriteLineAsync($"no such project or solution: {options.Input}").ConfigureAwait(false);
            return 2;
        }

        Graph graph = await WorkspaceLoader.AnalyzeAsync(options.Input, options.IncludeReferences, errors, CancellationToken.None).ConfigureAwait(false);
        graph = GraphMerge.RelativeTo(graph, Path.GetDirectoryName(options.Input)!);
        if (options.Observed is { } observedFile)
        {
            using FileStream observed = File.OpenRead(observedFile);
            graph = GraphMerge.WithObserved(graph, GraphJson.Read(observed));
        }

        Write(graph, options);
        TextSummary.Write(graph, console);
        await console.WriteLineAsync($"wrote {options.Output}").ConfigureAwait(false);
        return 0;
    }

    public static void Write(Graph graph, ToolOptions options)
    {
        using FileStream file = File.Create(options.Output);
        switch (options.Format)
        {
            case OutputFormat.Json:
                GraphJson.Write(graph, file);
                break;
            case OutputFormat.Dot:
            {
                using var dot = new StreamWriter(file);
                DotWriter.Write(graph, dot);
                break;
            }

            default:
            {
                using var html = new StreamWriter(file);
                HtmlPage.Write(graph, Path.GetFileName(options.Input), html);
                break;
            }
        }
    }
}
