using System.Text;
using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Graph;

/// <summary>
/// Node identities shared with the runtime's dump of observed edges: the lock type's full name as
/// <c>System.Type.FullName</c> writes it (nested types with '+'), so static and observed edges meet.
/// </summary>
internal static class NodeIds
{
    public static string Of(LockKind kind) => FullName(kind.Type);

    public static string FullName(INamedTypeSymbol type)
    {
        var name = new StringBuilder(type.MetadataName);
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            name.Insert(0, outer.MetadataName + "+");
        }

        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } containing ? containing.ToDisplayString() + "." : "";
        return ns + name;
    }

    /// <summary>A lock object placed by <c>[LockLevel]</c> on its field or property.</summary>
    public static string OfMember(ISymbol member) => FullName(member.ContainingType) + "." + member.Name;
}
