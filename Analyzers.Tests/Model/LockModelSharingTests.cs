using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Toolstack.Analyzers.Model;
using Toolstack.Analyzers.Tests.Verifiers;

namespace Toolstack.Analyzers.Tests.Model;

/// <summary>
/// One model per compilation and blocking list, shared by the analyzer and the code fixes
/// (<see cref="LockModel.For"/>): the same inputs give the same model, another list another one.
/// </summary>
public class LockModelSharingTests
{
    private const string Source = """
        namespace MyCompany { public sealed class Disk { public void Flush() { } } }
        """;

    private static async Task<Compilation> CompileAsync(bool referenceRuntime = true)
    {
        var references = (await TestReferences.Net10.ResolveAsync(LanguageNames.CSharp, CancellationToken.None)).ToList();
        if (referenceRuntime)
        {
            references.Add(TestReferences.Runtime);
        }

        return CSharpCompilation.Create("Probe", new[] { CSharpSyntaxTree.ParseText(Source) }, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
    }

    private static AnalyzerOptions Options(params string[] blockingLists) =>
        new(blockingLists.Select(list => (AdditionalText)new Text("ToolstackBlockingApis.txt", list)).ToImmutableArray());

    private static IMethodSymbol Flush(Compilation compilation) =>
        compilation.GetTypeByMetadataName("MyCompany.Disk")!.GetMembers("Flush").OfType<IMethodSymbol>().Single();

    [Fact]
    public async Task SameCompilationAndList_SameModel()
    {
        Compilation compilation = await CompileAsync();

        LockModel? first = LockModel.For(compilation, Options("MyCompany.Disk.Flush"), CancellationToken.None);
        LockModel? second = LockModel.For(compilation, Options("# the same list\nMyCompany.Disk.Flush\n"), CancellationToken.None);

        Assert.NotNull(first);
        Assert.Same(first, second);
    }

    [Fact]
    public async Task UsersList_ReadIntoTheSharedModel()
    {
        Compilation compilation = await CompileAsync();

        LockModel withList = LockModel.For(compilation, Options("MyCompany.Disk.Flush"), CancellationToken.None)!;
        LockModel withoutList = LockModel.For(compilation, Options(), CancellationToken.None)!;

        Assert.NotSame(withList, withoutList);
        Assert.True(withList.GetContract(Flush(compilation)).IsBlocking);
        Assert.False(withoutList.GetContract(Flush(compilation)).IsBlocking);
    }

    [Fact]
    public async Task WithoutRuntime_NoModel()
    {
        Compilation compilation = await CompileAsync(referenceRuntime: false);

        Assert.Null(LockModel.For(compilation, Options("MyCompany.Disk.Flush"), CancellationToken.None));
    }

    private sealed class Text(string path, string content) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(content);
    }
}
