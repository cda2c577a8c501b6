using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Model;

/// <summary>Finds a lock's field or property by name, as attributes and lock paths name it.</summary>
internal static class FieldOrProperty
{
    /// <summary>The field or property <paramref name="name"/> of <paramref name="type"/> or a base type.</summary>
    public static ISymbol? Find(ITypeSymbol? type, string name)
    {
        for (ITypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            foreach (ISymbol member in current.GetMembers(name))
            {
                if (member is IFieldSymbol or IPropertySymbol)
                {
                    return member;
                }
            }
        }

        return null;
    }
}
