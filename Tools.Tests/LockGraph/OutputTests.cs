using System.Text;
using Toolstack.Analyzers.Graph;
using Toolstack.LockGraph;
using Toolstack.Runtime;
using Toolstack.Tools.Tests.Support;

namespace Toolstack.Tools.Tests.LockGraph;

/// <summary>The dot and JSON outputs, the runtime's dump read back, and the page's SVG as written.</summary>
public sealed class OutputTests
{
    private const string Backwards = """
        using Toolstack.Runtime;

        public sealed class Daemon
        {
            private readonly DriverLock _driver = new();
            private readonly DomainLock _vm = new("vm1");

            public void Backwards()
            {
                using LockHandle vm = _vm.Lock();
                using LockHandle driver = _driver.Lock();
            }

            public void Forwards()
            {
                using LockHandle driver = _driver.Lock();
                using LockHandle vm = _vm.Lock();
            }
        }
        """;

    [Fact]
    public async Task Dot_EdgeAgainstTheHierarchy_IsRedAndTheOtherIsNot()
    {
        var graph = await GraphOf.SourceAsync(Backwards);
        var dot = new StringWriter();

        DotWriter.Write(graph, dot);

        string text = dot.ToString();
        Assert.StartsWith("digraph lockgraph {", text, StringComparison.Ordinal);
        Assert.Contains("\"Toolstack.Runtime.DomainLock\" -> \"Toolstack.Runtime.DriverLock\" [color=red, label=\"×1\"];", text, StringComparison.Ordinal);
        Assert.Contains("\"Toolstack.Runtime.DriverLock\" -> \"Toolstack.Runtime.DomainLock\" [color=black, label=\"×1\"];", text, StringComparison.Ordinal);
        Assert.Contains("\"Toolstack.Runtime.QmpLock\" [label=\"QmpLock\\nlevel 100, slow\", style=\"rounded,bold\"];", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_WrittenThenRead_IsTheSameGraph()
    {
        var graph = await GraphOf.SourceAsync(Backwards);
        using var stream = new MemoryStream();

        GraphJson.Write(graph, stream);
        stream.Position = 0;
        var read = GraphJson.Read(stream);

        Assert.Equal(graph.Nodes.ToArray(), read.Nodes.ToArray());
        Assert.Equal(graph.Edges.Select(Flatten), read.Edges.Select(Flatten));
        Assert.Equal(graph.Findings.ToArray(), read.Findings.ToArray());
        string json = Encoding.UTF8.GetString(stream.ToArray());
        Assert.Contains("\"schema\": \"toolstack-lockgraph/1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"source\": \"static\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_AnotherSchema_IsRefused()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("{\"schema\": \"something-else/1\", \"nodes\": []}"));

        Assert.Throws<InvalidDataException>(() => GraphJson.Read(stream));
    }

    [Fact]
    public async Task Observed_TheRuntimesDump_JoinsTheStaticGraphAsObservedEdges()
    {
        var graph = await GraphOf.SourceAsync(Backwards);
        using var dump = new MemoryStream();
        ObservedEdgesWriter.Write(
            new[] { new ObservedLockEdge(typeof(DomainLock).FullName!, 300, typeof(DriverLock).FullName!, 200, 7, "Daemon.Backwards in Daemon.cs:line 11") },
            dump);
        dump.Position = 0;

        var joined = GraphMerge.WithObserved(graph, GraphJson.Read(dump));

        GraphEdge observed = Assert.IsType<GraphEdge>(joined.Edge<DomainLock, DriverLock>(EdgeSource.Observed));
        Assert.Equal(7, observed.Count);
        Assert.True(observed.AgainstHierarchy);
        Assert.Contains("Daemon.cs:line 11", Assert.Single(observed.Locations).Detail, StringComparison.Ordinal);
        Assert.NotNull(joined.Edge<DomainLock, DriverLock>(EdgeSource.Static));
        Assert.Equal(graph.Nodes.ToArray(), joined.Nodes.ToArray());
    }

    [Fact]
    public async Task Html_Svg_HasANodePerLockAndTheRedEdgeWithItsPlace()
    {
        var graph = await GraphOf.SourceAsync(Backwards);
        var html = new StringWriter();

        HtmlPage.Write(graph, "Sample", html);

        string page = html.ToString();
        Assert.Contains("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"lockgraph\"", page, StringComparison.Ordinal);
        foreach (string name in new[] { "QmpLock", "DriverLock", "DomainLock", "JsonLock" })
        {
            Assert.Contains($"<g class=\"node", page, StringComparison.Ordinal);
            Assert.Contains($"data-id=\"Toolstack.Runtime.{name}\"", page, StringComparison.Ordinal);
        }

        Assert.Contains("<g class=\"edge static against\" data-from=\"Toolstack.Runtime.DomainLock\" data-to=\"Toolstack.Runtime.DriverLock\"", page, StringComparison.Ordinal);
        Assert.Contains("<g class=\"edge static\" data-from=\"Toolstack.Runtime.DriverLock\" data-to=\"Toolstack.Runtime.DomainLock\"", page, StringComparison.Ordinal);
        Assert.Contains("Sample.cs:11:35", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script src", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<link", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "App.csproj" }, "Html", "lockgraph.html", null)]
    [InlineData(new[] { "App.sln", "--format", "dot", "-o", "g.dot" }, "Dot", "g.dot", null)]
    [InlineData(new[] { "--format", "JSON", "App.csproj", "--observed", "edges.json" }, "Json", "lockgraph.json", "edges.json")]
    public void Options_Valid_AreParsed(string[] args, string format, string output, string? observed)
    {
        Assert.True(ToolOptions.TryParse(args, out ToolOptions? options, out string? error), error);
        Assert.Equal(format, options.Format.ToString());
        Assert.Equal(output, options.Output);
        Assert.Equal(observed, options.Observed);
        Assert.True(Path.IsPathRooted(options.Input));
    }

    [Theory]
    [InlineData(new string[0], "no project or solution given")]
    [InlineData(new[] { "App.csproj", "--format", "svg" }, "unknown format 'svg' (html, dot or json)")]
    [InlineData(new[] { "App.csproj", "-o" }, "-o needs a value")]
    [InlineData(new[] { "App.csproj", "--colour" }, "unknown option '--colour'")]
    [InlineData(new[] { "A.csproj", "B.csproj" }, "one project or solution only ('A.csproj', then 'B.csproj')")]
    public void Options_Invalid_AreRefusedWithAReason(string[] args, string reason)
    {
        Assert.False(ToolOptions.TryParse(args, out _, out string? error));
        Assert.Equal(reason, error);
    }

    // Locations compare by value; the arrays inside records compare by reference.
    private static string Flatten(GraphEdge edge) =>
        $"{edge.From}>{edge.To}:{edge.Source}:{edge.Count}:{edge.AgainstHierarchy}:" + string.Join(";", edge.Locations);
}
