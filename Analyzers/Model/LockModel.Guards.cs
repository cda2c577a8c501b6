using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Model;

internal sealed partial class LockModel
{
    // One entry per field or property ever looked up: the relevance scan asks for every member
    // reference, so the attribute is read once per member and the answer is a dictionary hit after.
    private readonly ConcurrentDictionary<ISymbol, Guard?> _guards =
        new ConcurrentDictionary<ISymbol, Guard?>(SymbolEqualityComparer.Default);

    /// <summary><c>[GuardedBy]</c>; null for a runtime that predates it, which then guards nothing.</summary>
    public INamedTypeSymbol? GuardedByAttribute { get; private init; }

    /// <summary>
    /// The lock guarding <paramref name="member"/> (<c>[GuardedBy]</c>), or null when it has none,
    /// or names no lock the model knows. A member of a runtime lock type is that lock; any other
    /// member names a BCL lock object (<c>lock (_cache)</c>, a <c>System.Threading.Lock</c>, a marked
    /// <c>SemaphoreSlim</c>), see <see cref="Model.BclLocks.GuardKindOf"/>.
    /// </summary>
    public Guard? GetGuard(ISymbol member) =>
        member is IFieldSymbol or IPropertySymbol ? _guards.GetOrAdd(member.OriginalDefinition, ReadGuard) : null;

    private Guard? ReadGuard(ISymbol member)
    {
        foreach (AttributeData attribute in member.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, GuardedByAttribute)
                || attribute.ConstructorArguments.Length != 1)
            {
                continue;
            }

            object? value = attribute.ConstructorArguments[0].Value;
            if (value is ITypeSymbol lockType)
            {
                return GetLockKind(lockType) is { } kind ? new Guard.AnyOf(kind) : null;
            }

            if (value is string name && FieldOrProperty.Find(member.ContainingType, name) is { } lockMember
                && LockTypeOf(lockMember) is { } memberType
                && (GetLockKind(memberType) ?? BclLocks.GuardKindOf(lockMember, memberType)) is { } memberKind)
            {
                return new Guard.OfMember(memberKind, lockMember);
            }
        }

        return null;
    }

    private static ITypeSymbol? LockTypeOf(ISymbol member) => member switch
    {
        IFieldSymbol field => field.Type,
        IPropertySymbol property => property.Type,
        _ => null,
    };
}
