using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;

namespace Toolstack.Analyzers.Tests.Verifiers;

/// <summary>
/// The façade for code-fix tests: <c>using VerifyCS = CSharpCodeFixVerifier&lt;LockAnalyzer, Tsl1005UseUsingFix&gt;;</c>.
/// Every fix's output is also run through the whole <see cref="LockAnalyzer"/>: it may hold no
/// TSL diagnostic of any rule but those the test expects in <c>FixedState</c>.
/// </summary>
public static class CSharpCodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static DiagnosticResult Diagnostic(string id) =>
        CSharpCodeFixVerifier<TAnalyzer, TCodeFix, DefaultVerifier>.Diagnostic(id);

    public static Task VerifyAnalyzerAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new Test { TestCode = source, FixedCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>Applies the fix to each diagnostic (and Fix All) and expects <paramref name="fixedSource"/>.</summary>
    public static Task VerifyCodeFixAsync(string source, DiagnosticResult[] expected, string fixedSource)
    {
        var test = new Test { TestCode = source, FixedCode = fixedSource };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    public static Task VerifyCodeFixAsync(string source, DiagnosticResult expected, string fixedSource) =>
        VerifyCodeFixAsync(source, new[] { expected }, fixedSource);

    public sealed class Test : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = TestReferences.Net10;
            TestState.AdditionalReferences.Add(TestReferences.Runtime);
            FixedState.AdditionalReferences.Add(TestReferences.Runtime);
        }

        protected override async Task RunImplAsync(CancellationToken cancellationToken)
        {
            await base.RunImplAsync(cancellationToken);
            await FixedOutputIsCleanAsync(this, cancellationToken);
        }
    }

    /// <summary>
    /// The fixed sources, analysed by the whole analyzer (every rule, not only the one fixed),
    /// hold no TSL diagnostic beyond those <c>FixedState.ExpectedDiagnostics</c> names.
    /// </summary>
    private static async Task FixedOutputIsCleanAsync(Test test, CancellationToken ct)
    {
        var sources = test.FixedState.Sources.ToList();
        bool fixExpected = sources.Count > 0
            && !sources.Select(s => s.content.ToString()).SequenceEqual(test.TestState.Sources.Select(s => s.content.ToString()));
        if (!fixExpected)
        {
            return;   // No fix offered: the test state's own expectations were checked by the run.
        }

        var references = (await TestReferences.Net10.ResolveAsync(LanguageNames.CSharp, ct)).ToList();
        references.Add(TestReferences.Runtime);
        Compilation compilation = CSharpCompilation.Create("Fixed",
            sources.Select(s => CSharpSyntaxTree.ParseText(s.content, path: s.filename, cancellationToken: ct)),
            references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

        var additionalFiles = (test.FixedState.AdditionalFiles.Count > 0 ? test.FixedState.AdditionalFiles : test.TestState.AdditionalFiles)
            .Select(file => (AdditionalText)new InMemoryAdditionalText(file.filename, file.content))
            .ToImmutableArray();
        ImmutableArray<Diagnostic> actual = await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new LockAnalyzer()), new AnalyzerOptions(additionalFiles))
            .GetAnalyzerDiagnosticsAsync(ct);

        var expected = test.FixedState.ExpectedDiagnostics.Where(d => d.Id.StartsWith("TSL", StringComparison.Ordinal)).ToList();
        foreach (Diagnostic diagnostic in actual.Where(d => d.Id.StartsWith("TSL", StringComparison.Ordinal)))
        {
            LinePosition at = diagnostic.Location.GetLineSpan().StartLinePosition;
            int match = expected.FindIndex(e => e.Id == diagnostic.Id
                && (!e.HasLocation || e.Spans[0].Span.StartLinePosition == at));
            Assert.True(match >= 0,
                $"The fixed code has a diagnostic the test does not expect: {diagnostic} (a fix must leave code the whole analyzer accepts)");
            expected.RemoveAt(match);
        }
    }

    private sealed class InMemoryAdditionalText(string path, SourceText text) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => text;
    }
}
