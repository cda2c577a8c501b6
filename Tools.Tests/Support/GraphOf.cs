using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Toolstack.Analyzers.Graph;
using Toolstack.Runtime;

namespace Toolstack.Tools.Tests.Support;

/// <summary>The lock graph of a small in-memory source compiled against the runtime, as the tool builds it.</summary>
internal static class GraphOf
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_platform = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            // The test host's own directory is on the list too: the runtime is added only when asked for.
            .Where(path => Path.GetFileName(path) != "Toolstack.Runtime.dll")
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray());

    public static Task<Analyzers.Graph.LockGraph> SourceAsync(string source) => SourceAsync(source, withRuntime: true);

    public static async Task<Analyzers.Graph.LockGraph> SourceAsync(string source, bool withRuntime)
    {
        IEnumerable<MetadataReference> references = s_platform.Value;
        if (withRuntime)
        {
            references = references.Append(MetadataReference.CreateFromFile(typeof(LockHandle).Assembly.Location));
        }

        CSharpCompilation compilation = CSharpCompilation.Create("Sample",
            new[] { CSharpSyntaxTree.ParseText(source, path: "Sample.cs") },
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Diagnostic[] errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, string.Join("\n", errors.Select(e => e.ToString())));

        var builder = new LockGraphBuilder();
        await builder.AddAsync(compilation, new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), CancellationToken.None);
        return builder.Build();
    }

    public static string Id<T>() => typeof(T).FullName!;

    public static GraphEdge? Edge<THeld, TTaken>(this Analyzers.Graph.LockGraph graph, EdgeSource source = EdgeSource.Static) =>
        graph.Edges.SingleOrDefault(edge => edge.Source == source && edge.From == Id<THeld>() && edge.To == Id<TTaken>());

    public static GraphMark? Mark<THeld>(this Analyzers.Graph.LockGraph graph, MarkKind kind) =>
        graph.Marks.SingleOrDefault(mark => mark.Lock == Id<THeld>() && mark.Kind == kind);
}
