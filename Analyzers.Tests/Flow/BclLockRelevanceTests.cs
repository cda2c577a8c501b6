using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Tests.Flow;

/// <summary>
/// The relevance pre-scan counts the BCL lock primitives: a <c>lock</c> statement, a <c>Monitor</c>
/// or <c>System.Threading.Lock</c> member, and a <c>SemaphoreSlim</c> member when its field carries
/// <c>[LockLevel]</c>. A method using an unmarked <c>SemaphoreSlim</c>'s <c>Release</c> and nothing else
/// stays skipped.
/// </summary>
public class BclLockRelevanceTests
{
    [Fact]
    public async Task BclLockPrimitives_AreRelevant_UnmarkedSemaphoreReleaseIsNot()
    {
        TestCompilation compilation = await TestCompilation.CreateAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Service
            {
                private readonly object _gate = new();
                private readonly Lock _lock = new();
                private readonly SemaphoreSlim _throttle = new(1, 1);

                [LockLevel(LockLevels.Domain + 10)]
                private readonly SemaphoreSlim _table = new(1, 1);

                private int _count;

                void LockStatement() { lock (_gate) { _count++; } }

                void MonitorPair() { Monitor.Enter(_gate); Monitor.Exit(_gate); }

                void LockScope() { using (_lock.EnterScope()) { _count++; } }

                Task MarkedWaitAsync() => _table.WaitAsync();

                void UnmarkedRelease() => _throttle.Release();

                void Plain() => _count++;
            }
            """);

        IReadOnlyList<Diagnostic> diagnostics = await compilation.AnalyzeAsync();

        Assert.DoesNotContain(diagnostics, d => d.Id.StartsWith("TSL", StringComparison.Ordinal));
        var runs = AnalysisStatistics.For(compilation.Compilation).EngineRuns.Select(method => method.Name).ToHashSet();
        Assert.Contains("LockStatement", runs);
        Assert.Contains("MonitorPair", runs);
        Assert.Contains("LockScope", runs);
        Assert.Contains("MarkedWaitAsync", runs);
        Assert.DoesNotContain("UnmarkedRelease", runs);
        Assert.DoesNotContain("Plain", runs);
    }
}
