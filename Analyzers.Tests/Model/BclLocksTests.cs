using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Toolstack.Analyzers.Model;
using Toolstack.Analyzers.Tests.Verifiers;

namespace Toolstack.Analyzers.Tests.Model;

/// <summary>The BCL lock primitives are known by metadata name: the table's members, and nothing merely named like them.</summary>
public class BclLocksTests
{
    private static async Task<(Compilation Compilation, LockModel Model)> CompileAsync(string source)
    {
        var references = (await TestReferences.Net10.ResolveAsync(LanguageNames.CSharp, CancellationToken.None)).ToList();
        references.Add(TestReferences.Runtime);
        Compilation compilation = CSharpCompilation.Create("Probe", new[] { CSharpSyntaxTree.ParseText(source) }, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        return (compilation, Assert.IsType<LockModel>(LockModel.TryCreate(compilation)));
    }

    [Theory]
    [InlineData("System.Threading.Monitor", "Enter", "Acquire")]
    [InlineData("System.Threading.Monitor", "TryEnter", "Acquire")]
    [InlineData("System.Threading.Monitor", "Exit", "Release")]
    [InlineData("System.Threading.Lock", "EnterScope", "EnterScope")]
    [InlineData("System.Threading.Lock+Scope", "Dispose", "ExitScope")]
    [InlineData("System.Threading.SemaphoreSlim", "WaitAsync", "Acquire")]
    [InlineData("System.Threading.SemaphoreSlim", "Release", "Release")]
    public async Task TableMembers_AreFound(string type, string member, string operation)
    {
        (Compilation compilation, LockModel model) = await CompileAsync("class C { }");

        ISymbol symbol = compilation.GetTypeByMetadataName(type)!.GetMembers(member).First();

        Assert.Equal(operation, model.BclLocks.Find(symbol)?.Operation.ToString());
    }

    [Fact]
    public async Task OtherMembersAndLookAlikeTypes_AreNotPrimitives()
    {
        (Compilation compilation, LockModel model) = await CompileAsync("""
            namespace Mine.Threading { public static class Monitor { public static void Enter(object o) { } } }
            """);

        Assert.Null(model.BclLocks.Find(compilation.GetTypeByMetadataName("System.Threading.Monitor")!.GetMembers("Wait").First()));
        Assert.Null(model.BclLocks.Find(compilation.GetTypeByMetadataName("Mine.Threading.Monitor")!.GetMembers("Enter").First()));
    }

    [Fact]
    public async Task FieldLevel_ReadFromLockLevel_UnmarkedSemaphoreIsNoLock()
    {
        (Compilation compilation, LockModel model) = await CompileAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class C
            {
                [LockLevel(250, ForbidsBlocking = true)] object _marked = new();
                object _plain = new();
                SemaphoreSlim _throttle = new(1, 1);
            }
            """);
        INamedTypeSymbol c = compilation.GetTypeByMetadataName("C")!;
        BclLockMember enter = model.BclLocks.Find(compilation.GetTypeByMetadataName("System.Threading.Monitor")!.GetMembers("Enter").First())!;
        BclLockMember wait = model.BclLocks.Find(compilation.GetTypeByMetadataName("System.Threading.SemaphoreSlim")!.GetMembers("Wait").First())!;

        LockKind marked = model.BclLocks.KindOf(enter, c.GetMembers("_marked").Single())!;
        LockKind plain = model.BclLocks.KindOf(enter, c.GetMembers("_plain").Single())!;

        Assert.True(marked.HasLevel);
        Assert.Equal(250, marked.Level);
        Assert.True(marked.ForbidsBlocking);
        Assert.Equal("lock", marked.Name);
        Assert.False(plain.HasLevel);
        Assert.False(plain.IsSlow);
        Assert.Null(model.BclLocks.KindOf(wait, c.GetMembers("_throttle").Single()));
    }
}
