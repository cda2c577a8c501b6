using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Toolstack.Analyzers.Tests.Verifiers;
using Toolstack.CodeFixes;

namespace Toolstack.Analyzers.Tests.CodeFixes;

/// <summary>
/// A fix takes what the analysis found from <see cref="Diagnostic.Properties"/> and never works it
/// out again: a diagnostic without them (an older analyzer, a hand-made one) gets no fix.
/// </summary>
public class FixWithoutPropertiesTests
{
    // One mistake per rule with a fix, each fixable as the analyzer reports it.
    private const string Source = """
        using System.Threading;
        using System.Threading.Tasks;
        using Toolstack.Runtime;

        sealed class Qmp
        {
            [RequiresUnlocked]
            public Task StopAsync() => Task.CompletedTask;
        }

        class Daemon
        {
            private readonly DriverLock _driver = new();
            private readonly DomainLock _vm = new("vm");
            private readonly DomainLock _other = new("other");
            private readonly Qmp _qmp = new();

            void OutOfOrder()
            {
                using var vm = _vm.Lock();
                using var driver = _driver.Lock();
            }

            void SleepUnderDriver()
            {
                LockHandle driver = _driver.Lock();
                try
                {
                    Thread.Sleep(1);
                }
                finally
                {
                    _driver.Unlock(driver);
                }
            }

            void WrongIssuer()
            {
                LockHandle vm = _vm.Lock();
                try { } finally { _other.Unlock(vm); }
            }

            async Task QmpUnderDomain()
            {
                using (LockHandle vm = _vm.Lock())
                {
                    await _qmp.StopAsync();
                }
            }

            void Leak()
            {
                LockHandle vm = _vm.Lock();
            }

            void NormalPathOnly()
            {
                LockHandle vm = _vm.Lock();
                Thread.Sleep(1);
                _vm.Unlock(vm);
            }
        }
        """;

    public static TheoryData<Type> Providers() => new(typeof(Tsl1001ReorderFix).Assembly.GetTypes()
        .Where(t => typeof(CodeFixProvider).IsAssignableFrom(t) && !t.IsAbstract && t != typeof(Tsl1006RemoveReleaseFix)));

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task WithProperties_Fixed_WithoutProperties_NoFix(Type type)
    {
        var provider = (CodeFixProvider)Activator.CreateInstance(type)!;
        Document document = await DocumentAsync();
        ImmutableArray<Diagnostic> diagnostics = (await AnalyzeAsync(document))
            .Where(d => provider.FixableDiagnosticIds.Contains(d.Id))
            .ToImmutableArray();
        Assert.NotEmpty(diagnostics);

        foreach (Diagnostic diagnostic in diagnostics)
        {
            Assert.NotEmpty(await ActionsAsync(provider, document, diagnostic));

            // The same diagnostic as a hand-made one: same rule, location and other end, no properties.
            Diagnostic bare = Diagnostic.Create(diagnostic.Descriptor, diagnostic.Location, diagnostic.AdditionalLocations);
            Assert.Empty(await ActionsAsync(provider, document, bare));
        }
    }

    private static async Task<Document> DocumentAsync()
    {
        var references = (await TestReferences.Net10.ResolveAsync(LanguageNames.CSharp, CancellationToken.None)).ToList();
        references.Add(TestReferences.Runtime);
        var workspace = new AdhocWorkspace();
        Project project = workspace.AddProject("Test", LanguageNames.CSharp)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary))
            .WithMetadataReferences(references);
        return project.AddDocument("Test.cs", SourceText.From(Source));
    }

    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Document document)
    {
        Compilation compilation = (await document.Project.GetCompilationAsync())!;
        return await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new LockAnalyzer()))
            .GetAnalyzerDiagnosticsAsync();
    }

    private static async Task<List<CodeAction>> ActionsAsync(CodeFixProvider provider, Document document, Diagnostic diagnostic)
    {
        var actions = new List<CodeAction>();
        await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic,
            (action, _) => actions.Add(action), CancellationToken.None));
        return actions;
    }
}
