using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Toolstack.Analyzers.Tests.Verifiers;
using Toolstack.TestSupport;

namespace Toolstack.Analyzers.Tests.Samples;

/// <summary>samples/Mistakes seeds each classic mistake once; the analyzer must find exactly those.</summary>
public class MistakesSampleTests
{
    private static readonly Regex s_seed = new(@"^\s*// (TSL\d{4}):", RegexOptions.Compiled);

    [Fact]
    public async Task MistakesSample_YieldsExactlyItsSeededDiagnostics()
    {
        string path = Path.Combine(Repository.Root(), "samples", "Mistakes", "Mistakes.cs");
        string source = await File.ReadAllTextAsync(path);
        string[] lines = source.Split('\n');
        var seeds = lines
            .Select((text, index) => (Match: s_seed.Match(text), Line: index + 1))
            .Where(s => s.Match.Success)
            .Select(s => (Id: s.Match.Groups[1].Value, s.Line))
            .ToList();

        ImmutableArray<Diagnostic> diagnostics = await AnalyzeAsync(source, path);

        Assert.Equal(11, seeds.Select(s => s.Id).Distinct().Count());
        Assert.Empty(diagnostics.Where(d => !d.Id.StartsWith("TSL", StringComparison.Ordinal)));
        Assert.Equal(seeds.Count, diagnostics.Length);
        for (int i = 0; i < seeds.Count; i++)
        {
            int from = seeds[i].Line;
            int to = i + 1 < seeds.Count ? seeds[i + 1].Line : lines.Length;
            Diagnostic found = Assert.Single(diagnostics, d =>
                d.Location.GetLineSpan().StartLinePosition.Line + 1 is var line && line > from && line < to);
            Assert.Equal(seeds[i].Id, found.Id);
        }
    }

    [Theory]
    [InlineData("TSL1001")]
    [InlineData("TSL1002")]
    [InlineData("TSL1003")]
    [InlineData("TSL1004")]
    [InlineData("TSL1005")]
    [InlineData("TSL1006")]
    [InlineData("TSL1007")]
    [InlineData("TSL1008")]
    [InlineData("TSL1009")]
    [InlineData("TSL1010")]
    [InlineData("TSL1011")]
    public async Task MistakesSample_UnrelatedLinesInsertedAbove_SameMessageMovedDown(string id)
    {
        // Baselines, suppressions and SARIF fingerprints key on the message: it must not carry line numbers.
        const int Inserted = 3;
        string path = Path.Combine(Repository.Root(), "samples", "Mistakes", "Mistakes.cs");
        string source = await File.ReadAllTextAsync(path);
        string moved = string.Concat(Enumerable.Repeat("// an unrelated line\n", Inserted)) + source;

        // A rule may have more than one seed (TSL1002's correlated case, TSL1004's lock statement): each moves on its own.
        Diagnostic[] before = InOrder(await AnalyzeAsync(source, path), id);
        Diagnostic[] after = InOrder(await AnalyzeAsync(moved, path), id);

        Assert.NotEmpty(before);
        Assert.Equal(before.Length, after.Length);
        for (int i = 0; i < before.Length; i++)
        {
            Assert.Equal(before[i].GetMessage(), after[i].GetMessage());
            Assert.Equal(before[i].Location.GetLineSpan().StartLinePosition.Line + Inserted, after[i].Location.GetLineSpan().StartLinePosition.Line);
            Assert.Equal(before[i].AdditionalLocations.Count, after[i].AdditionalLocations.Count);
        }
    }

    private static Diagnostic[] InOrder(ImmutableArray<Diagnostic> diagnostics, string id) =>
        diagnostics.Where(d => d.Id == id).OrderBy(d => d.Location.SourceSpan.Start).ToArray();

    [Fact]
    public async Task MistakesSample_CorrelatedSleep_NamesTheCondition()
    {
        string path = Path.Combine(Repository.Root(), "samples", "Mistakes", "Mistakes.cs");
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeAsync(await File.ReadAllTextAsync(path), path);

        Assert.Single(diagnostics, d => d.Id == "TSL1002"
            && d.GetMessage().Contains("DriverLock '_driver' (when 'exclusive' is true)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MistakesSample_QmpCallInsideLockStatement_ReportedNamingTheCacheLock()
    {
        string path = Path.Combine(Repository.Root(), "samples", "Mistakes", "Mistakes.cs");
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeAsync(await File.ReadAllTextAsync(path), path);

        Diagnostic found = Assert.Single(diagnostics, d => d.GetMessage().Contains("lock '_cache'", StringComparison.Ordinal));
        Assert.Equal("TSL1004", found.Id);
        Assert.Equal("'QmpClient.StopAsync' must not be called while lock '_cache' is held", found.GetMessage());
    }

    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(string source, string path)
    {
        var references = (await TestReferences.Net10.ResolveAsync(LanguageNames.CSharp, CancellationToken.None)).ToList();
        references.Add(TestReferences.Runtime);
        var compilation = CSharpCompilation.Create("Mistakes",
            new[] { CSharpSyntaxTree.ParseText(source, path: path) }, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        return await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new LockAnalyzer()))
            .GetAnalyzerDiagnosticsAsync();
    }
}
