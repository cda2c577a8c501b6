using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Model;

/// <summary>
/// The hot-plug role attributes of the runtime, by metadata name. A runtime without them (an
/// older one) simply declares no roles: the other rules work as before.
/// </summary>
internal sealed class HotplugAttributes
{
    private const string Namespace = "Toolstack.Runtime.";

    private readonly INamedTypeSymbol? _adds;
    private readonly INamedTypeSymbol? _removesFromPrimary;
    private readonly INamedTypeSymbol? _describes;
    private readonly INamedTypeSymbol? _removesFromJson;

    private HotplugAttributes(INamedTypeSymbol? adds, INamedTypeSymbol? removesFromPrimary, INamedTypeSymbol? describes,
        INamedTypeSymbol? removesFromJson)
    {
        _adds = adds;
        _removesFromPrimary = removesFromPrimary;
        _describes = describes;
        _removesFromJson = removesFromJson;
    }

    public static HotplugAttributes Create(Compilation compilation) => new HotplugAttributes(
        compilation.GetTypeByMetadataName(Namespace + "AddsToPrimaryConfigAttribute"),
        compilation.GetTypeByMetadataName(Namespace + "RemovesFromPrimaryConfigAttribute"),
        compilation.GetTypeByMetadataName(Namespace + "DescribesInJsonConfigAttribute"),
        compilation.GetTypeByMetadataName(Namespace + "RemovesFromJsonConfigAttribute"));

    /// <summary>The role <paramref name="attribute"/> declares, or null if it is not a role attribute.</summary>
    public HotplugRoleKind? RoleOf(INamedTypeSymbol? attribute)
    {
        if (attribute is null)
        {
            return null;
        }

        if (SymbolEqualityComparer.Default.Equals(attribute, _adds))
        {
            return HotplugRoleKind.AddsToPrimary;
        }

        if (SymbolEqualityComparer.Default.Equals(attribute, _removesFromPrimary))
        {
            return HotplugRoleKind.RemovesFromPrimary;
        }

        if (SymbolEqualityComparer.Default.Equals(attribute, _describes))
        {
            return HotplugRoleKind.DescribesInJson;
        }

        if (SymbolEqualityComparer.Default.Equals(attribute, _removesFromJson))
        {
            return HotplugRoleKind.RemovesFromJson;
        }

        return null;
    }
}
