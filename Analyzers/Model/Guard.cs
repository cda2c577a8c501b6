using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Model;

/// <summary>What <c>[GuardedBy]</c> on a field or property says: the lock that must be held to touch it.</summary>
internal abstract record Guard(LockKind Kind)
{
    /// <summary><c>[GuardedBy(nameof(_gate))]</c>: the lock in <paramref name="LockMember"/> of the same object (or the static one).</summary>
    public sealed record OfMember(LockKind Kind, ISymbol LockMember) : Guard(Kind);

    /// <summary><c>[GuardedBy(typeof(X))]</c>: any held lock of the type.</summary>
    public sealed record AnyOf(LockKind Kind) : Guard(Kind);
}
