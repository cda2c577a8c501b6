using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;

namespace Toolstack.Runtime.Tests.Locking;

/// <summary>The validator's record of the lock orders it sees (lockdep's view), and its JSON dump.</summary>
[Collection(NonParallelCollection.Name)]
public sealed class ObservedEdgesTests : IDisposable
{
    private readonly bool _wasEnabled = LockValidator.IsEnabled;
    private readonly bool _wasRecording = LockValidator.RecordsEdges;

    public ObservedEdgesTests()
    {
        LockValidator.IsEnabled = true;
        LockValidator.RecordsEdges = true;
        LockValidator.ClearObservedEdges();
    }

    public void Dispose()
    {
        LockValidator.RecordsEdges = _wasRecording;
        LockValidator.IsEnabled = _wasEnabled;
        LockValidator.ClearObservedEdges();
    }

    [Fact]
    public void ObservedEdges_DriverThenDomainTwice_OneEdgeCountedTwice()
    {
        var driver = new DriverLock();
        var domain = new DomainLock("vm1");
        for (int i = 0; i < 2; i++)
        {
            using LockHandle outer = driver.Lock();
            using LockHandle inner = domain.Lock();
        }

        ObservedLockEdge edge = Assert.Single(LockValidator.ObservedEdges);
        Assert.Equal(typeof(DriverLock).FullName, edge.Held);
        Assert.Equal(typeof(DomainLock).FullName, edge.Taken);
        Assert.Equal(2, edge.Count);
        Assert.False(edge.AgainstHierarchy);
        Assert.Contains(nameof(ObservedEdges_DriverThenDomainTwice_OneEdgeCountedTwice), edge.FirstSite, StringComparison.Ordinal);
    }

    [Fact]
    public void ObservedEdges_OutOfOrder_RecordedAgainstTheHierarchyBeforeTheThrow()
    {
        var driver = new DriverLock();
        var domain = new DomainLock("vm1");
        using (domain.Lock())
        {
            Assert.Throws<LockOrderException>(() => driver.Lock());
        }

        ObservedLockEdge edge = Assert.Single(LockValidator.ObservedEdges);
        Assert.Equal(typeof(DomainLock).FullName, edge.Held);
        Assert.Equal(typeof(DriverLock).FullName, edge.Taken);
        Assert.True(edge.AgainstHierarchy);
    }

    [Fact]
    public void ObservedEdges_EveryHeldLock_IsAnEdgeToTheTakenOne()
    {
        var driver = new DriverLock();
        var pool = new UserLock("pool");
        var domain = new DomainLock("vm1");
        using (driver.Lock())
        using (pool.Lock())
        using (domain.Lock())
        {
        }

        Assert.Equal(
            new[]
            {
                (typeof(DriverLock).FullName!, typeof(DomainLock).FullName!),
                (typeof(DriverLock).FullName!, typeof(UserLock).FullName!),
                (typeof(UserLock).FullName!, typeof(DomainLock).FullName!),
            },
            LockValidator.ObservedEdges.Select(edge => (edge.Held, edge.Taken)).ToArray());
    }

    [Fact]
    public void ObservedEdges_LockBoth_IsNoEdgeBetweenTheTwoDomainsButEachIsTakenUnderTheDriver()
    {
        var driver = new DriverLock();
        var vm1 = new DomainLock("vm1");
        var vm2 = new DomainLock("vm2");
        using (driver.Lock())
        using (DomainLock.LockBoth(vm2, vm1))
        {
        }

        ObservedLockEdge edge = Assert.Single(LockValidator.ObservedEdges);
        Assert.Equal((typeof(DriverLock).FullName, typeof(DomainLock).FullName, 2L), (edge.Held, edge.Taken, edge.Count));
    }

    [Fact]
    public void ObservedEdges_RecordingOff_RecordsNothing()
    {
        LockValidator.RecordsEdges = false;
        var driver = new DriverLock();
        var domain = new DomainLock("vm1");
        using (driver.Lock())
        using (domain.Lock())
        {
        }

        Assert.Empty(LockValidator.ObservedEdges);
    }

    [Fact]
    public void ObservedEdges_ReleasedLock_IsNoLongerAnEdgeSource()
    {
        var driver = new DriverLock();
        var domain = new DomainLock("vm1");
        LockHandle domainHandle = domain.Lock();
        domainHandle.Dispose();
        using (driver.Lock())
        {
        }

        Assert.Empty(LockValidator.ObservedEdges);
    }

    [Fact]
    public void ObservedEdgesWriter_Write_IsTheLockGraphSchemaWithNodesAndObservedEdges()
    {
        var driver = new DriverLock();
        var domain = new DomainLock("vm1");
        using (domain.Lock())
        {
            Assert.Throws<LockOrderException>(() => driver.Lock());
        }

        using var stream = new MemoryStream();
        ObservedEdgesWriter.Write(LockValidator.ObservedEdges, stream);

        using JsonDocument json = JsonDocument.Parse(stream.ToArray());
        JsonElement root = json.RootElement;
        Assert.Equal("toolstack-lockgraph/1", root.GetProperty("schema").GetString());
        Assert.Equal(new[] { "Toolstack.Runtime.DriverLock", "Toolstack.Runtime.DomainLock" },
            root.GetProperty("nodes").EnumerateArray().Select(node => node.GetProperty("id").GetString()).ToArray());
        JsonElement edge = Assert.Single(root.GetProperty("edges").EnumerateArray().ToArray());
        Assert.Equal("Toolstack.Runtime.DomainLock", edge.GetProperty("from").GetString());
        Assert.Equal("Toolstack.Runtime.DriverLock", edge.GetProperty("to").GetString());
        Assert.Equal("observed", edge.GetProperty("source").GetString());
        Assert.Equal(1, edge.GetProperty("count").GetInt32());
        Assert.True(edge.GetProperty("againstHierarchy").GetBoolean());
    }

    [Fact]
    public void EdgesFileEnvironmentVariable_Set_SwitchesValidationAndRecordingOnAtStartUp()
    {
        string? saved = Environment.GetEnvironmentVariable(LockValidator.EdgesFileEnvironmentVariable);
        string? savedValidation = Environment.GetEnvironmentVariable(LockValidator.EnvironmentVariable);
        // A directory that will not exist at exit: the exit-time write reports and does not crash the host.
        string file = Path.Combine(Path.GetTempPath(), "toolstack-edges-" + Guid.NewGuid().ToString("N"), "edges.json");
        Environment.SetEnvironmentVariable(LockValidator.EdgesFileEnvironmentVariable, file);
        Environment.SetEnvironmentVariable(LockValidator.EnvironmentVariable, null);
        var context = new AssemblyLoadContext("observed-edges-env", isCollectible: false);
        try
        {
            Assembly runtime = context.LoadFromAssemblyPath(typeof(LockValidator).Assembly.Location);
            Type validator = runtime.GetType(typeof(LockValidator).FullName!, throwOnError: true)!;
            Assert.True((bool)validator.GetProperty(nameof(LockValidator.IsEnabled))!.GetValue(null)!);
            Assert.True((bool)validator.GetProperty(nameof(LockValidator.RecordsEdges))!.GetValue(null)!);
        }
        finally
        {
            Environment.SetEnvironmentVariable(LockValidator.EdgesFileEnvironmentVariable, saved);
            Environment.SetEnvironmentVariable(LockValidator.EnvironmentVariable, savedValidation);
        }
    }
}
