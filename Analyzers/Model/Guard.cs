using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Model;

/// <summary>
/// What <c>[GuardedBy]</c> on a field or property says: the lock that must be held to touch it.
/// </summary>
/// <param name="Kind">The lock type.</param>
/// <param name="LockMember">
/// The field or property holding the lock, on the same object as the guarded member (or static);
/// null when any lock of <paramref name="Kind"/> will do.
/// </param>
internal sealed record Guard(LockKind Kind, ISymbol? LockMember);
