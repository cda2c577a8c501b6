using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Tests.Flow;

/// <summary>
/// A method that touches no lock — no acquisition, release or handle, no call whose contract or
/// summary involves a lock — is skipped before its graph is built, and a plain callee's summary is
/// never computed. The skip must never hide a diagnostic: the rules below fire in methods that take
/// no lock themselves, or whose lock is 3 calls down, or inside a lambda of a plain method.
/// </summary>
public class LockRelevanceTests
{
    private const string Prelude = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Toolstack.Runtime;

        sealed class State
        {
            public readonly DomainLock Guard = new("vm");

            [RequiresLock(typeof(DomainLock), Lock = nameof(Guard))]
            public void MarkPaused() { }
        }

        """;

    private static async Task<(TestCompilation Compilation, IReadOnlyList<Diagnostic> Diagnostics)> Analyze(string source)
    {
        TestCompilation compilation = await TestCompilation.CreateAsync(Prelude + source);
        var diagnostics = (await compilation.AnalyzeAsync()).OrderBy(d => d.Location.SourceSpan.Start).ToList();
        return (compilation, diagnostics);
    }

    private static IReadOnlyCollection<string> EngineRuns(TestCompilation compilation) =>
        AnalysisStatistics.For(compilation.Compilation).EngineRuns.Select(method => method.Name).ToHashSet();

    [Fact]
    public async Task PlainMethods_GetNoGraphAndNoEngineRun_NorDoPlainCalleesOfLockingCode()
    {
        var (compilation, diagnostics) = await Analyze("""
            class Service
            {
                private readonly DriverLock _driver = new();
                private readonly List<int> _items = new();
                private int _count;

                int Add(int a, int b) => a + b;

                string Describe(IEnumerable<int> values)
                {
                    var parts = new List<string>();
                    foreach (int value in values) { parts.Add(Format(value)); }
                    return string.Join(",", parts);
                }

                string Format(int value) => value.ToString();

                async Task<int> LoadAsync() { await Task.Yield(); return Add(1, 2); }

                void Update()
                {
                    using (_driver.Lock())
                    {
                        _count = Add(_count, 1);
                        _items.Add(_count);
                    }
                }
            }
            """);

        Assert.Empty(diagnostics);
        AnalysisStatistics statistics = AnalysisStatistics.For(compilation.Compilation);
        Assert.Equal(new[] { "Update" }, EngineRuns(compilation).Where(name => name != "MarkPaused" && name != ".ctor"));
        Assert.DoesNotContain("Add", EngineRuns(compilation));
        Assert.True(statistics.BlocksSkipped >= 4, $"skipped {statistics.BlocksSkipped}");
    }

    [Fact]
    public async Task RequiresLockCalled_InAMethodThatTakesNoLock_StillReportsTsl1008()
    {
        var (_, diagnostics) = await Analyze("""
            class Driver
            {
                void Pause(State state) { state.MarkPaused(); }
                void Indirect(State state) { Pause(state); }
            }
            """);

        Assert.Equal(new[] { "TSL1008" }, diagnostics.Select(d => d.Id));
    }

    [Fact]
    public async Task HelperChainThreeCallsDown_TakesALockOrBlocks_IsStillSeen()
    {
        var (_, diagnostics) = await Analyze("""
            class Driver
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm");

                void Blocks() { using (_driver.Lock()) { SleepA(); } }
                void SleepA() => SleepB();
                void SleepB() => SleepC();
                void SleepC() => Thread.Sleep(1);

                void OutOfOrder() { using (_vm.Lock()) { TakeA(); } }
                void TakeA() => TakeB();
                void TakeB() => TakeC();
                void TakeC() { using (_driver.Lock()) { } }
            }
            """);

        Assert.Equal(new[] { "TSL1002", "TSL1001" }, diagnostics.Select(d => d.Id));
    }

    [Fact]
    public async Task LambdasAndLocalFunctions_InAnOtherwisePlainMethod_AreStillAnalysed()
    {
        var (compilation, diagnostics) = await Analyze("""
            class Driver
            {
                private readonly DriverLock _driver = new();

                void WithLambda()
                {
                    int n = 0;
                    Action sleep = () => { using (_driver.Lock()) { Thread.Sleep(n); } };
                    sleep();
                }

                void WithLocalFunction()
                {
                    Local();
                    void Local() { using (_driver.Lock()) { Thread.Sleep(1); } }
                }

                void WithAsyncLambda()
                {
                    Func<Task> run = async () => { using (_driver.Lock()) { await Task.Yield(); } };
                    run();
                }

                void Plain()
                {
                    Func<int, int> twice = x => x * 2;
                    int Local(int y) => twice(y);
                    Local(1);
                }
            }
            """);

        Assert.Equal(new[] { "TSL1002", "TSL1002", "TSL1007" }, diagnostics.Select(d => d.Id));
        Assert.DoesNotContain("Plain", EngineRuns(compilation));
    }

    [Fact]
    public async Task GuardedMemberRead_InAMethodThatTakesNoLock_StillReportsTsl1010()
    {
        var (compilation, diagnostics) = await Analyze("""
            class Counter
            {
                private readonly DomainLock _lock = new("vm");
                [GuardedBy(nameof(_lock))] private int _guarded;
                [GuardedBy(nameof(_lock))] public int Total { get; set; }
                private int _plain;

                int ReadGuarded() => _guarded;

                int ReadTotal() => Total;

                int ReadPlain() => _plain + 1;
            }
            """);

        Assert.Equal(new[] { "TSL1010", "TSL1010" }, diagnostics.Select(d => d.Id));
        Assert.Contains("ReadGuarded", EngineRuns(compilation));
        Assert.Contains("ReadTotal", EngineRuns(compilation));
        Assert.DoesNotContain("ReadPlain", EngineRuns(compilation));
    }
}
