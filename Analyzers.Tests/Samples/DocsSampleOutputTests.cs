using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Toolstack.Analyzers.Tests.Verifiers;
using Toolstack.TestSupport;

namespace Toolstack.Analyzers.Tests.Samples;

/// <summary>
/// The README and the rule pages show what <c>dotnet build</c> prints for their examples: each
/// <c>```text</c> block of warnings must be exactly what the analyzer reports for the
/// <c>```csharp</c> block before it.
/// </summary>
public class DocsSampleOutputTests
{
    private static readonly Regex s_block = new(@"```(?<lang>\w*)\n(?<body>.*?)```", RegexOptions.Singleline | RegexOptions.Compiled);
    private static readonly Regex s_warning = new(@"^(?<file>[\w.]+)\(\d+,\d+\): warning TSL\d{4}: ", RegexOptions.Compiled);

    public static TheoryData<string> Pages()
    {
        var pages = new TheoryData<string> { "README.md" };
        foreach (string page in Directory.GetFiles(Path.Combine(Repository.Root(), "docs", "rules"), "TSL*.md").Order())
        {
            pages.Add(Path.GetRelativePath(Repository.Root(), page));
        }

        return pages;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task SampleOutput_IsWhatTheAnalyzerReports(string page)
    {
        string text = (await File.ReadAllTextAsync(Path.Combine(Repository.Root(), page))).Replace("\r\n", "\n");
        string? code = null;
        int checkedBlocks = 0;
        foreach (Match block in s_block.Matches(text))
        {
            string body = block.Groups["body"].Value;
            if (block.Groups["lang"].Value == "csharp")
            {
                code = body;
                continue;
            }

            string[] expected = body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (code is null || expected.Length == 0 || !expected.All(line => s_warning.IsMatch(line)))
            {
                continue;
            }

            string file = s_warning.Match(expected[0]).Groups["file"].Value;
            Assert.Equal(expected.OrderBy(line => line, StringComparer.Ordinal), await BuildOutputAsync(code, file));
            checkedBlocks++;
        }

        Assert.True(checkedBlocks > 0, $"{page} shows no sample output");
    }

    private static async Task<string[]> BuildOutputAsync(string code, string file)
    {
        var references = (await TestReferences.Net10.ResolveAsync(LanguageNames.CSharp, CancellationToken.None)).ToList();
        references.Add(TestReferences.Runtime);
        var compilation = CSharpCompilation.Create("Docs", new[] { CSharpSyntaxTree.ParseText(code, path: file) }, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        ImmutableArray<Diagnostic> diagnostics = await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new LockAnalyzer()))
            .GetAnalyzerDiagnosticsAsync();
        return diagnostics
            .Select(d => $"{file}({d.Location.GetLineSpan().StartLinePosition.Line + 1},{d.Location.GetLineSpan().StartLinePosition.Character + 1}): warning {d.Id}: {d.GetMessage()}")
            .OrderBy(line => line, StringComparer.Ordinal)
            .ToArray();
    }
}
