using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Tests.Flow;

/// <summary>
/// Summaries of a recursive cycle are computed together, to a fixed point, and a summary computed
/// with the recursion cut is never the one kept: the diagnostics do not depend on which method of
/// a cycle the analysis happened to reach first.
/// </summary>
public class RecursiveSummaryTests
{
    // In each cycle the member declared first is the one whose callee carries the effect: analysed
    // first with its cycle cut, it would see its callee do nothing.
    private const string Cycles = """
        using System.Threading;
        using System.Threading.Tasks;
        using Toolstack.Runtime;

        sealed class Qmp
        {
            [RequiresUnlocked]
            public Task StopAsync() => Task.CompletedTask;
        }

        class Cycles
        {
            private readonly DriverLock _driver = new();
            private readonly DomainLock _vm = new("vm");
            private readonly Qmp _qmp = new();

            // Two-method cycle: the sleep is in Pong, reached from Ping through the cycle.
            void Pong(int n) { if (n > 0) { Ping(n - 1); } else { Thread.Sleep(1); } }
            void Ping(int n) { if (n > 0) { Pong(n - 1); } }

            // Three-method cycle: the QMP call is in Three.
            void Three(int n) { if (n > 0) { One(n - 1); } else { _qmp.StopAsync(); } }
            void Two(int n) { if (n > 0) { Three(n - 1); } }
            void One(int n) { if (n > 0) { Two(n - 1); } }

            // A cycle that takes and releases the domain lock in one member.
            void Release(int n) { if (n > 0) { Take(n - 1); } else { using (_vm.Lock()) { } } }
            void Take(int n) { if (n > 0) { Release(n - 1); } }

            // Self-recursion that sleeps only at the bottom.
            void Countdown(int n) { if (n > 0) { Countdown(n - 1); } else { Thread.Sleep(1); } }

            void UsePing() { using (_driver.Lock()) { Ping(3); } }
            void UseOne() { using (_vm.Lock()) { One(3); } }
            void UseTake() { using (_vm.Lock()) { Take(3); } }
            void UseCountdown() { using (_driver.Lock()) { Countdown(3); } }
        }
        """;

    [Fact]
    public async Task MutuallyRecursiveLockHelpers_AnalysedThirtyTimesConcurrently_SameExpectedDiagnosticsEachTime()
    {
        TestCompilation compilation = await TestCompilation.CreateAsync(Cycles);
        string[] expected =
        [
            "TSL1001 UseTake: Acquiring DomainLock '_vm' through 'Take → Release' while DomainLock '_vm' is held violates the lock hierarchy: the same lock is taken twice",
            "TSL1002 UseCountdown: 'Countdown → Thread.Sleep' may sleep while DriverLock '_driver' is held",
            "TSL1002 UsePing: 'Ping → Pong → Thread.Sleep' may sleep while DriverLock '_driver' is held",
            "TSL1004 UseOne: 'One → Two → Three → StopAsync' must not be called while DomainLock '_vm' is held",
        ];

        for (int run = 0; run < 30; run++)
        {
            ImmutableArray<Diagnostic> diagnostics = await compilation.AnalyzeAsync();
            Assert.Equal(expected, Describe(diagnostics));
        }
    }

    [Fact]
    public async Task ManyCycles_AnalysedConcurrently_IdenticalEachTime()
    {
        // Forty copies of the cycles: threads start from different members; every run must agree.
        var source = new StringBuilder(Cycles);
        for (int copy = 0; copy < 40; copy++)
        {
            source.AppendLine(Cycles.Substring(Cycles.IndexOf("class Cycles", StringComparison.Ordinal))
                .Replace("class Cycles", $"class Cycles{copy}"));
        }

        TestCompilation compilation = await TestCompilation.CreateAsync(source.ToString());
        string[] first = Describe(await compilation.AnalyzeAsync());
        Assert.Equal(41 * 4, first.Length);
        for (int run = 1; run < 30; run++)
        {
            Assert.Equal(first, Describe(await compilation.AnalyzeAsync()));
        }
    }

    [Fact]
    public async Task DeepCallChain_FifteenHundredHelpers_ReportsThroughTheWholeChain()
    {
        // Summaries are computed callees first without recursion on the thread's stack, and with no
        // depth at which a chain is cut short.
        const int Depth = 1500;
        var helpers = new StringBuilder();
        for (int i = 0; i < Depth; i++)
        {
            helpers.AppendLine(i + 1 < Depth ? $"    void M{i}() => M{i + 1}();" : $"    void M{i}() => Thread.Sleep(1);");
        }

        TestCompilation compilation = await TestCompilation.CreateAsync($$"""
            using System.Threading;
            using Toolstack.Runtime;

            class Deep
            {
                private readonly DriverLock _driver = new();

                void Run() { using (_driver.Lock()) { M0(); } }

            {{helpers}}
            }
            """);

        Diagnostic only = Assert.Single(await compilation.AnalyzeAsync());
        Assert.Equal("TSL1002", only.Id);
        Assert.StartsWith("'M0 → M1 → M2", only.GetMessage(), StringComparison.Ordinal);
        Assert.Contains($"M{Depth - 1} → Thread.Sleep'", only.GetMessage(), StringComparison.Ordinal);
    }

    private static string[] Describe(ImmutableArray<Diagnostic> diagnostics) => diagnostics
        .Select(d => $"{d.Id} {Enclosing(d)}: {d.GetMessage()}")
        .OrderBy(text => text, StringComparer.Ordinal)
        .ToArray();

    private static string Enclosing(Diagnostic diagnostic)
    {
        SyntaxNode node = diagnostic.Location.SourceTree!.GetRoot().FindNode(diagnostic.Location.SourceSpan);
        string method = node.AncestorsAndSelf().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>().First().Identifier.Text;
        string type = node.AncestorsAndSelf().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax>().First().Identifier.Text;
        return type == "Cycles" ? method : type + "." + method;
    }
}
