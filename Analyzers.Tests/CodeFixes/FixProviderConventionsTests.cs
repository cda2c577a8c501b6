using System.Composition;
using System.Reflection;
using Microsoft.CodeAnalysis.CodeFixes;
using Toolstack.CodeFixes;

namespace Toolstack.Analyzers.Tests.CodeFixes;

/// <summary>
/// What the fixes' base class promises for every fix: exported and shared for the IDE and
/// <c>dotnet format</c>, IDs from the descriptor table, Fix All, keys of the form <c>&lt;ID&gt;.&lt;Action&gt;</c>.
/// </summary>
public class FixProviderConventionsTests
{
    private static IEnumerable<Type> ProviderTypes() =>
        typeof(Tsl1001ReorderFix).Assembly.GetTypes().Where(t => typeof(CodeFixProvider).IsAssignableFrom(t) && !t.IsAbstract);

    public static TheoryData<Type> Providers() => new(ProviderTypes());

    [Fact]
    public void EveryRuleWithAFix_HasOneProvider()
    {
        // TSL1005 and TSL1009 share the using fix; TSL1007 and TSL1008 have none.
        string[] fixedIds = ProviderTypes().SelectMany(type => Create(type).FixableDiagnosticIds).Order().ToArray();

        Assert.Equal(new[] { "TSL1001", "TSL1002", "TSL1003", "TSL1004", "TSL1005", "TSL1006", "TSL1009" }, fixedIds);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void Provider_ExportedSharedFixAllWithTableIds(Type type)
    {
        CodeFixProvider provider = Create(type);

        Assert.NotNull(type.GetCustomAttribute<ExportCodeFixProviderAttribute>());
        Assert.NotNull(type.GetCustomAttribute<SharedAttribute>());
        Assert.Same(WellKnownFixAllProviders.BatchFixer, provider.GetFixAllProvider());
        Assert.All(provider.FixableDiagnosticIds, id => Assert.Contains(Descriptors.All, d => d.Id == id));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void EquivalenceKeys_IdDotAction(Type type)
    {
        CodeFixProvider provider = Create(type);
        string[] keys = type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.Name.EndsWith("EquivalenceKey", StringComparison.Ordinal))
            .Select(f => (string)f.GetValue(null)!)
            .ToArray();

        Assert.NotEmpty(keys);
        Assert.All(keys, key => Assert.Contains(provider.FixableDiagnosticIds, id => key.StartsWith(id + ".", StringComparison.Ordinal)));
    }

    private static CodeFixProvider Create(Type type) => (CodeFixProvider)Activator.CreateInstance(type)!;
}
