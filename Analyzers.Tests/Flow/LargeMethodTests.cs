using System.Collections.Immutable;
using System.Diagnostics;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Toolstack.Analyzers.Tests.Verifiers;
using Xunit.Abstractions;

namespace Toolstack.Analyzers.Tests.Flow;

/// <summary>The engine's cost grows with the method, not with its paths: a huge method must finish.</summary>
public class LargeMethodTests(ITestOutputHelper output)
{
    [Fact]
    public async Task GeneratedMethod_ThousandsOfStatementsDeepNesting_FinishesAndFindsTheSeededMistake()
    {
        const int Sections = 400;
        const int Depth = 60;
        var body = new StringBuilder();
        for (int i = 0; i < Sections; i++)
        {
            // Each section: a branchy region with a correctly released lock, 7 statements and 3 joins.
            body.AppendLine($$"""
                        if (n > {{i}}) { using (_driver.Lock()) { n += {{i}}; } } else { n -= 1; }
                        for (int i{{i}} = 0; i{{i}} < n; i{{i}}++) { if (i{{i}} == 3) break; n ^= i{{i}}; }
                        var h{{i}} = _vm.Lock();
                        try { n++; } finally { _vm.Unlock(h{{i}}); }
                """);
        }

        var nested = new StringBuilder();
        for (int d = 0; d < Depth; d++)
        {
            nested.Append($"if (n % {d + 2} == 0) {{ try {{ n += {d}; ");
        }

        nested.Append("using (_driver.Lock()) { Thread.Sleep(n); } ");
        for (int d = 0; d < Depth; d++)
        {
            nested.Append("} finally { n--; } } ");
        }

        string source = $$"""
            using System.Threading;
            using Toolstack.Runtime;

            class Generated
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm");

                int Run(int n)
                {
            {{body}}
                    {{nested}}
                    return n;
                }
            }
            """;

        var references = (await TestReferences.Net10.ResolveAsync(LanguageNames.CSharp, CancellationToken.None)).ToList();
        references.Add(TestReferences.Runtime);
        var compilation = CSharpCompilation.Create("Generated", new[] { CSharpSyntaxTree.ParseText(source) }, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        var stopwatch = Stopwatch.StartNew();
        ImmutableArray<Diagnostic> diagnostics = await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new LockAnalyzer()))
            .GetAnalyzerDiagnosticsAsync();
        stopwatch.Stop();
        output.WriteLine($"{source.Split('\n').Length} lines analysed in {stopwatch.ElapsedMilliseconds} ms");

        Diagnostic only = Assert.Single(diagnostics);
        Assert.Equal("TSL1002", only.Id);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"took {stopwatch.Elapsed}");
    }
}
