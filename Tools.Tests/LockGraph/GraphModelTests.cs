using Toolstack.Analyzers.Graph;
using Toolstack.Runtime;
using Toolstack.Tools.Tests.Support;

namespace Toolstack.Tools.Tests.LockGraph;

/// <summary>The graph the analyzer's engine yields for small sources: nodes, edges, counts, red edges, marks.</summary>
public sealed class GraphModelTests
{
    private const string Usings = """
        using System.Threading;
        using System.Threading.Tasks;
        using Toolstack.Runtime;

        """;

    [Fact]
    public async Task Nodes_StandardLocksAndAUserLockType_AreRowsByLevelWithSlowMarked()
    {
        var graph = await GraphOf.SourceAsync(Usings + """
            [LockLevel(250)]
            public sealed class PoolLock : HierarchicalLock
            {
                public PoolLock() : base("pool") { }
                protected override void ReleaseCore(LockHandle handle) { }
            }
            """);

        Assert.Equal(new[] { "QmpLock", "DriverLock", "PoolLock", "DomainLock", "JsonLock" }, graph.Nodes.Select(n => n.Name));
        Assert.Equal(new int?[] { 100, 200, 250, 300, 400 }, graph.Nodes.Select(n => n.Level));
        Assert.True(graph.Nodes.Single(n => n.Name == "QmpLock").IsSlow);
        Assert.True(graph.Nodes.Single(n => n.Name == "DriverLock").ForbidsBlocking);
        Assert.False(graph.Nodes.Single(n => n.Name == "DomainLock").IsSlow);
        Assert.Empty(graph.Edges.Where(e => e.Source == EdgeSource.Static));
    }

    [Fact]
    public async Task Build_WithoutTheRuntime_IsEmpty()
    {
        var graph = await GraphOf.SourceAsync("public static class Plain { public static int One() => 1; }", withRuntime: false);

        Assert.Empty(graph.Nodes);
        Assert.Empty(graph.Edges);
    }

    [Fact]
    public async Task Edge_DriverThenDomainTwice_CountedTwiceInOrderWithBothPlaces()
    {
        var graph = await GraphOf.SourceAsync(Usings + """
            public sealed class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                public void Refresh()
                {
                    using LockHandle driver = _driver.Lock();
                    using LockHandle vm = _vm.Lock();
                }

                public void Rename()
                {
                    using LockHandle driver = _driver.Lock();
                    using LockHandle vm = _vm.Lock();
                }
            }
            """);

        GraphEdge edge = Assert.IsType<GraphEdge>(graph.Edge<DriverLock, DomainLock>());
        Assert.Equal(2, edge.Count);
        Assert.False(edge.AgainstHierarchy);
        Assert.Equal(new[] { 12, 18 }, edge.Locations.Select(l => l.Line));
        Assert.All(edge.Locations, l => Assert.Equal("Sample.cs", l.File));
    }

    [Fact]
    public async Task Edge_DomainThenDriver_IsAgainstTheHierarchy()
    {
        var graph = await GraphOf.SourceAsync(Usings + """
            public sealed class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                public void Backwards()
                {
                    using LockHandle vm = _vm.Lock();
                    using LockHandle driver = _driver.Lock();
                }
            }
            """);

        GraphEdge edge = Assert.IsType<GraphEdge>(graph.Edge<DomainLock, DriverLock>());
        Assert.True(edge.AgainstHierarchy);
        Assert.Null(graph.Edge<DriverLock, DomainLock>());
    }

    [Fact]
    public async Task Edge_ThroughAHelper_IsFoundAtTheCallWithTheChain()
    {
        var graph = await GraphOf.SourceAsync(Usings + """
            public sealed class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                public void Outer()
                {
                    using LockHandle vm = _vm.Lock();
                    Helper();
                }

                private void Helper()
                {
                    using LockHandle driver = _driver.Lock();
                }
            }
            """);

        GraphEdge edge = Assert.IsType<GraphEdge>(graph.Edge<DomainLock, DriverLock>());
        Assert.True(edge.AgainstHierarchy);
        SourceSpot spot = Assert.Single(edge.Locations);
        Assert.Equal(12, spot.Line);
        Assert.Contains("Helper", spot.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edge_LockReleasedBeforeTheNextIsTaken_IsNoEdge()
    {
        var graph = await GraphOf.SourceAsync(Usings + """
            public sealed class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                public void OneAfterTheOther()
                {
                    LockHandle vm = _vm.Lock();
                    _vm.Unlock(vm);
                    using LockHandle driver = _driver.Lock();
                }
            }
            """);

        Assert.Empty(graph.Edges.Where(e => e.Source == EdgeSource.Static));
    }

    [Fact]
    public async Task Marks_SleepUnderDriverAndAwaitUnderDomain_AreForbiddenMarksOnThoseLocks()
    {
        var graph = await GraphOf.SourceAsync(Usings + """
            public sealed class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                public void Sleepy()
                {
                    using LockHandle driver = _driver.Lock();
                    Thread.Sleep(10);
                }

                public async Task Waits()
                {
                    using LockHandle vm = _vm.Lock();
                    await Task.Yield();
                }
            }
            """);

        GraphMark blocking = Assert.IsType<GraphMark>(graph.Mark<DriverLock>(MarkKind.Blocking));
        Assert.True(blocking.Forbidden);
        Assert.Equal(1, blocking.Count);
        GraphMark awaiting = Assert.IsType<GraphMark>(graph.Mark<DomainLock>(MarkKind.Await));
        Assert.True(awaiting.Forbidden);
        Assert.Null(graph.Mark<DomainLock>(MarkKind.Blocking));
    }

    [Fact]
    public async Task Marks_QmpCallAndAwaitUnderTheSlowLock_AreMarkedButNotForbidden()
    {
        var graph = await GraphOf.SourceAsync(Usings + """
            public sealed class Hotplug
            {
                public async Task Insert(QmpLock slow, QmpClient qmp)
                {
                    await using LockHandle held = await slow.LockAsync();
                    await qmp.QueryStatusAsync();
                }
            }
            """);

        GraphMark qmp = Assert.IsType<GraphMark>(graph.Mark<QmpLock>(MarkKind.Qmp));
        Assert.False(qmp.Forbidden);
        GraphMark awaiting = Assert.IsType<GraphMark>(graph.Mark<QmpLock>(MarkKind.Await));
        Assert.False(awaiting.Forbidden);
    }

    [Fact]
    public async Task Marks_NoLockHeld_NoMarks()
    {
        var graph = await GraphOf.SourceAsync(Usings + """
            public sealed class Daemon
            {
                private readonly DriverLock _driver = new();

                public async Task Plain()
                {
                    Thread.Sleep(1);
                    await Task.Yield();
                    using LockHandle driver = _driver.Lock();
                }
            }
            """);

        Assert.Empty(graph.Marks);
    }

    [Fact]
    public async Task Findings_AreTheAnalyzersOwnDiagnostics()
    {
        var graph = await GraphOf.SourceAsync(Usings + """
            public sealed class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                public void Backwards()
                {
                    using LockHandle vm = _vm.Lock();
                    using LockHandle driver = _driver.Lock();
                }
            }
            """);

        GraphFinding finding = Assert.Single(graph.Findings);
        Assert.Equal("TSL1001", finding.Id);
        Assert.Equal(12, finding.Where.Line);
    }

    [Fact]
    public async Task DeclaredEdges_StepFromEachLevelToTheNext()
    {
        var graph = await GraphOf.SourceAsync(Usings + "public static class Empty { }");

        Assert.Equal(
            new[] { ("QmpLock", "DriverLock"), ("DriverLock", "DomainLock"), ("DomainLock", "JsonLock") },
            graph.Edges.Where(e => e.Source == EdgeSource.Declared)
                .Select(e => (graph.Nodes.Single(n => n.Id == e.From).Name, graph.Nodes.Single(n => n.Id == e.To).Name))
                .OrderBy(pair => graph.Nodes.Single(n => n.Name == pair.Item1).Level));
    }

    [Fact]
    public async Task Nodes_LockLevelField_IsARowOfItsOwnAndItsEdgeFollowsTheLevel()
    {
        var graph = await GraphOf.SourceAsync(Usings + """
            public sealed class Cache
            {
                [LockLevel(250)]
                private readonly object _gate = new();
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                public void InOrder()
                {
                    using LockHandle driver = _driver.Lock();
                    lock (_gate)
                    {
                    }
                }

                public void Backwards()
                {
                    using LockHandle vm = _vm.Lock();
                    lock (_gate)
                    {
                    }
                }
            }
            """);

        GraphNode gate = Assert.Single(graph.Nodes, n => n.Id == "Cache._gate");
        Assert.Equal((250, NodeOrigin.LockField, "Cache._gate"), (gate.Level!.Value, gate.Origin, gate.Name));
        Assert.False(Assert.Single(graph.Edges, e => e.Source == EdgeSource.Static && e.To == gate.Id && e.From == GraphOf.Id<DriverLock>()).AgainstHierarchy);
        Assert.True(Assert.Single(graph.Edges, e => e.Source == EdgeSource.Static && e.To == gate.Id && e.From == GraphOf.Id<DomainLock>()).AgainstHierarchy);
    }

    [Fact]
    public async Task Nodes_UnmarkedLockObject_HasNoLevelAndNoRedEdge()
    {
        var graph = await GraphOf.SourceAsync(Usings + """
            public sealed class Cache
            {
                private readonly object _gate = new();
                private readonly DomainLock _vm = new("vm1");

                public void Nested()
                {
                    using LockHandle vm = _vm.Lock();
                    lock (_gate)
                    {
                        Thread.Sleep(1);
                    }
                }
            }
            """);

        GraphNode gate = Assert.Single(graph.Nodes, n => n.Id == "Cache._gate");
        Assert.Null(gate.Level);
        GraphEdge edge = Assert.Single(graph.Edges, e => e.Source == EdgeSource.Static);
        Assert.Equal((GraphOf.Id<DomainLock>(), gate.Id, false), (edge.From, edge.To, edge.AgainstHierarchy));
        Assert.Contains(graph.Marks, m => m.Lock == gate.Id && m.Kind == MarkKind.Blocking);
    }
}
