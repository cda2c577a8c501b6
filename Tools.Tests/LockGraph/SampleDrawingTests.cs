using Toolstack.Analyzers.Graph;
using Toolstack.LockGraph;
using Toolstack.Tools.Tests.Support;
using Xunit.Abstractions;

namespace Toolstack.Tools.Tests.LockGraph;

/// <summary>The tool, run as a user runs it, over the repository's samples (MSBuildWorkspace, the real SDK).</summary>
public sealed class SampleDrawingTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("toolstack-lockgraph-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task Tool_Mistakes_DrawsTheOutOfOrderEdgeRedAndTheForbiddenMarks()
    {
        string json = Path.Combine(_work.FullName, "mistakes.json");

        string summary = await Commands.DrawSampleAsync("Mistakes", json, "--format", "json");
        output.WriteLine(summary);

        using FileStream file = File.OpenRead(json);
        var graph = GraphJson.Read(file);
        Assert.Equal(new[] { "QmpLock", "DriverLock", "DomainLock", "JsonLock" }, graph.Nodes.Select(n => n.Name).Take(4));
        GraphEdge red = Assert.Single(graph.Edges, e => e.AgainstHierarchy);
        Assert.Equal(("Toolstack.Runtime.DomainLock", "Toolstack.Runtime.DriverLock"), (red.From, red.To));
        Assert.Equal("Mistakes.cs", Assert.Single(red.Locations).File);
        Assert.Contains(graph.Marks, m => m.Lock == "Toolstack.Runtime.DriverLock" && m.Kind == MarkKind.Blocking && m.Forbidden);
        Assert.Contains(graph.Marks, m => m.Lock == "Toolstack.Runtime.DomainLock" && m.Kind == MarkKind.Await && m.Forbidden);
        Assert.Contains("DomainLock -> DriverLock  x1  AGAINST THE HIERARCHY", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("AD0001", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tool_HotplugWithReferences_DrawsTheSlowLockOverTheJsonLockAndNoRedEdge()
    {
        string json = Path.Combine(_work.FullName, "hotplug.json");

        // The sample's locking is the runtime's CdromHotplug: drawn only with its project references.
        string summary = await Commands.DrawSampleAsync("Hotplug", json, "--format", "json", "--include-references");
        output.WriteLine(summary);

        using FileStream file = File.OpenRead(json);
        var graph = GraphJson.Read(file);
        Assert.DoesNotContain(graph.Edges, e => e.AgainstHierarchy);
        Assert.DoesNotContain(graph.Marks, m => m.Forbidden);
        GraphEdge slowOverJson = Assert.Single(graph.Edges,
            e => e.Source == EdgeSource.Static && e.From == "Toolstack.Runtime.QmpLock" && e.To == "Toolstack.Runtime.JsonLock");
        Assert.Contains(slowOverJson.Locations, l => l.File.EndsWith("CdromHotplug.cs", StringComparison.Ordinal));
        Assert.Contains(graph.Marks, m => m.Lock == "Toolstack.Runtime.QmpLock" && m.Kind == MarkKind.Qmp);
        Assert.DoesNotContain(graph.Findings, f => f.Id == "TSL1001");
    }

    [Fact]
    public async Task Tool_HotplugAlone_DrawsTheHierarchyButNoEdge()
    {
        string json = Path.Combine(_work.FullName, "hotplug-alone.json");

        await Commands.DrawSampleAsync("Hotplug", json, "--format", "json");

        using FileStream file = File.OpenRead(json);
        var graph = GraphJson.Read(file);
        Assert.Equal(4, graph.Nodes.Length);
        Assert.DoesNotContain(graph.Edges, e => e.Source == EdgeSource.Static);
    }

    [Fact]
    public async Task Tool_DotFormat_WritesGraphviz()
    {
        string dot = Path.Combine(_work.FullName, "mistakes.dot");

        await Commands.DrawSampleAsync("Mistakes", dot, "--format", "dot");

        string text = await File.ReadAllTextAsync(dot);
        Assert.StartsWith("digraph lockgraph {", text, StringComparison.Ordinal);
        Assert.Contains("\"Toolstack.Runtime.DomainLock\" -> \"Toolstack.Runtime.DriverLock\" [color=red", text, StringComparison.Ordinal);
    }
}
