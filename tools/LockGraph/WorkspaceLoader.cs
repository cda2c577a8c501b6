using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.MSBuild;
using Toolstack.Analyzers.Graph;

namespace Toolstack.LockGraph;

/// <summary>
/// Opens a project or solution with MSBuildWorkspace and runs the analyzer over every C# project
/// in it. Kept apart from <see cref="Program"/>: MSBuild's types may load only after
/// <see cref="Microsoft.Build.Locator.MSBuildLocator"/> has registered the SDK.
/// </summary>
internal static class WorkspaceLoader
{
    /// <summary>
    /// The graph of a solution's projects, or of one project (its project references are compiled
    /// for their symbols, not drawn: the runtime's own locking is not the project's, unless asked for). The input must
    /// be restored: without its assets file MSBuild resolves no package, and the log says so.
    /// </summary>
    public static async Task<Analyzers.Graph.LockGraph> AnalyzeAsync(string input, bool includeReferences, TextWriter log,
        CancellationToken ct)
    {
        using MSBuildWorkspace workspace = MSBuildWorkspace.Create();
        var problems = new List<string>();
        workspace.RegisterWorkspaceFailedHandler(e =>
        {
            if (e.Diagnostic.Kind == WorkspaceDiagnosticKind.Failure)
            {
                problems.Add(e.Diagnostic.Message);
            }
        });

        IEnumerable<Project> projects = input.EndsWith(".sln", StringComparison.OrdinalIgnoreCase)
            || input.EndsWith(".slnx", StringComparison.OrdinalIgnoreCase)
            ? (await workspace.OpenSolutionAsync(input, cancellationToken: ct).ConfigureAwait(false)).Projects
            : await OpenProjectAsync(workspace, input, includeReferences, ct).ConfigureAwait(false);

        foreach (string problem in problems.Distinct())
        {
            log.WriteLine("warning: " + problem);
        }

        var builder = new LockGraphBuilder();
        foreach (Project project in projects.Where(p => p.Language == LanguageNames.CSharp).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            Compilation? compilation = await project.GetCompilationAsync(ct).ConfigureAwait(false);
            if (compilation is null)
            {
                continue;
            }

            Diagnostic[] errors = compilation.GetDiagnostics(ct).Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
            if (errors.Length > 0)
            {
                // A broken compilation still has locks to draw; the reader should know it is partial.
                log.WriteLine($"warning: {project.Name} has {errors.Length} compile errors, its graph may be incomplete; first: {errors[0]}");
            }

            await builder.AddAsync(compilation, project.AnalyzerOptions, ct).ConfigureAwait(false);
        }

        return builder.Build();
    }

    private static async Task<IEnumerable<Project>> OpenProjectAsync(MSBuildWorkspace workspace, string input, bool includeReferences,
        CancellationToken ct)
    {
        Project project = await workspace.OpenProjectAsync(input, cancellationToken: ct).ConfigureAwait(false);
        return includeReferences ? project.Solution.Projects : new[] { project };
    }
}
