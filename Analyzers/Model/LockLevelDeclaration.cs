using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Model;

/// <summary>What one <c>[LockLevel]</c> attribute says, on a lock type or on a lock object's field or property.</summary>
internal sealed record LockLevelDeclaration(int Level, bool IsSlow, bool ForbidsBlocking)
{
    /// <summary>The declaration among <paramref name="symbol"/>'s attributes, or null when it carries none.</summary>
    public static LockLevelDeclaration? Of(ISymbol symbol, INamedTypeSymbol lockLevelAttribute)
    {
        foreach (AttributeData attribute in symbol.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, lockLevelAttribute)
                || attribute.ConstructorArguments.Length != 1
                || attribute.ConstructorArguments[0].Value is not int level)
            {
                continue;
            }

            bool isSlow = false;
            bool forbidsBlocking = false;
            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Value.Value is bool value)
                {
                    if (argument.Key == "IsSlow")
                    {
                        isSlow = value;
                    }
                    else if (argument.Key == "ForbidsBlocking")
                    {
                        forbidsBlocking = value;
                    }
                }
            }

            return new LockLevelDeclaration(level, isSlow, forbidsBlocking);
        }

        return null;
    }
}
