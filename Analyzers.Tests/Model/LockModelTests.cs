using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Toolstack.Analyzers.Model;
using Toolstack.Analyzers.Tests.Verifiers;

namespace Toolstack.Analyzers.Tests.Model;

public class LockModelTests
{
    private static async Task<Compilation> CompileAsync(string source, bool referenceRuntime)
    {
        var references = (await TestReferences.Net10.ResolveAsync(LanguageNames.CSharp, CancellationToken.None)).ToList();
        if (referenceRuntime)
        {
            references.Add(TestReferences.Runtime);
        }

        return CSharpCompilation.Create("Probe", new[] { CSharpSyntaxTree.ParseText(source) }, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
    }

    [Theory]
    [InlineData("Toolstack.Runtime.QmpLock", 100, true, false)]
    [InlineData("Toolstack.Runtime.DriverLock", 200, false, true)]
    [InlineData("Toolstack.Runtime.DomainLock", 300, false, false)]
    [InlineData("Toolstack.Runtime.JsonLock", 400, false, false)]
    public async Task StandardLocks_ReadFromAttributes(string metadataName, int level, bool slow, bool forbidsBlocking)
    {
        Compilation compilation = await CompileAsync("class C { }", referenceRuntime: true);
        LockModel model = Assert.IsType<LockModel>(LockModel.TryCreate(compilation));

        LockKind kind = Assert.IsType<LockKind>(model.GetLockKind(compilation.GetTypeByMetadataName(metadataName)!));

        Assert.Equal(level, kind.Level);
        Assert.Equal(slow, kind.IsSlow);
        Assert.Equal(forbidsBlocking, kind.ForbidsBlocking);
    }

    [Fact]
    public async Task UserLockType_InHierarchy_IsALock()
    {
        Compilation compilation = await CompileAsync("""
            using Toolstack.Runtime;
            [LockLevel(250, ForbidsBlocking = true)]
            public sealed class PoolLock { }
            """, referenceRuntime: true);
        LockModel model = LockModel.TryCreate(compilation)!;

        LockKind kind = Assert.IsType<LockKind>(model.GetLockKind(compilation.GetTypeByMetadataName("PoolLock")!));

        Assert.Equal(250, kind.Level);
        Assert.True(kind.ForbidsBlocking);
        Assert.False(kind.IsSlow);
    }

    [Fact]
    public async Task LookAlike_InOtherNamespace_IsNotALock()
    {
        Compilation compilation = await CompileAsync("""
            namespace Elsewhere { public sealed class DriverLock { } }
            """, referenceRuntime: true);
        LockModel model = LockModel.TryCreate(compilation)!;

        Assert.Null(model.GetLockKind(compilation.GetTypeByMetadataName("Elsewhere.DriverLock")!));
    }

    [Fact]
    public async Task WithoutRuntime_NoModel()
    {
        Compilation compilation = await CompileAsync("""
            namespace Toolstack.Fake { public sealed class LockLevelAttribute : System.Attribute { } }
            """, referenceRuntime: false);

        Assert.Null(LockModel.TryCreate(compilation));
    }

    [Fact]
    public async Task LockBoth_AcquiresItsTwoParametersInCanonicalOrder()
    {
        Compilation compilation = await CompileAsync("class C { }", referenceRuntime: true);
        LockModel model = LockModel.TryCreate(compilation)!;
        IMethodSymbol lockBoth = compilation.GetTypeByMetadataName("Toolstack.Runtime.DomainLock")!
            .GetMembers("LockBoth").OfType<IMethodSymbol>().Single();

        MemberContract contract = model.GetContract(lockBoth);

        Assert.True(contract.AcquiresInCanonicalOrder);
        Assert.Equal(new[] { "first", "second" }, contract.Acquires.Select(effect => effect.Target.Name));
        Assert.All(contract.Acquires, effect => Assert.Equal(300, effect.Kind!.Level));
    }

    [Fact]
    public async Task CanonicalOrderOnANonLockType_AcquiresNothing()
    {
        Compilation compilation = await CompileAsync("""
            using Toolstack.Runtime;
            public sealed class NotALock { }
            public static class Wrapper
            {
                [AcquiresInCanonicalOrder(typeof(NotALock), "a", "b")]
                public static void Both(NotALock a, NotALock b) { }
            }
            """, referenceRuntime: true);
        LockModel model = LockModel.TryCreate(compilation)!;
        IMethodSymbol both = compilation.GetTypeByMetadataName("Wrapper")!.GetMembers("Both").OfType<IMethodSymbol>().Single();

        MemberContract contract = model.GetContract(both);

        Assert.False(contract.AcquiresInCanonicalOrder);
        Assert.True(contract.Acquires.IsEmpty);
    }
}
