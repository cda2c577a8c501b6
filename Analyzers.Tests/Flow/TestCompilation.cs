using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Toolstack.Analyzers.Flow;
using Toolstack.Analyzers.Model;
using Toolstack.Analyzers.Tests.Verifiers;

namespace Toolstack.Analyzers.Tests.Flow;

/// <summary>A compilation of test sources against .NET 10 and the runtime, for tests that look under the analyzer.</summary>
internal sealed class TestCompilation
{
    private TestCompilation(CSharpCompilation compilation)
    {
        Compilation = compilation;
    }

    public CSharpCompilation Compilation { get; }

    public static async Task<TestCompilation> CreateAsync(params string[] sources)
    {
        var references = (await TestReferences.Net10.ResolveAsync(LanguageNames.CSharp, CancellationToken.None)).ToList();
        references.Add(TestReferences.Runtime);
        var compilation = CSharpCompilation.Create("Test", sources.Select(source => CSharpSyntaxTree.ParseText(source)), references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return new TestCompilation(compilation);
    }

    /// <summary>The whole analyzer's diagnostics, with concurrent execution as in a build.</summary>
    public Task<ImmutableArray<Diagnostic>> AnalyzeAsync() =>
        Compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new LockAnalyzer()),
                new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                    onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false))
            .GetAnalyzerDiagnosticsAsync();

    /// <summary>The engine's analysis of every method declared in the sources, in declaration order.</summary>
    public IEnumerable<MethodAnalysis> AnalyzeMethods()
    {
        LockModel model = LockModel.TryCreate(Compilation)!;
        var context = new LockAnalysisContext(Compilation, model, CancellationToken.None);
        foreach (SyntaxTree tree in Compilation.SyntaxTrees)
        {
            SemanticModel semantics = Compilation.GetSemanticModel(tree);
            foreach (MethodDeclarationSyntax declaration in tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>())
            {
                var method = (IMethodSymbol)semantics.GetDeclaredSymbol(declaration)!;
                ControlFlowGraph graph = ControlFlowGraph.Create(declaration, semantics)!;
                yield return context.Analyze(method, graph);
            }
        }
    }
}
