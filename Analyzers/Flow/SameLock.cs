using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// The one test of whether two references name the same lock: the same lock type, and the same
/// path wherever both paths are known. An unknown path is not guessed at.
/// </summary>
internal static class SameLock
{
    /// <summary>The two may be one lock: same type, and equal paths unless one is unknown.</summary>
    public static bool MayBe(LockKind kind, LockPath? path, LockKind otherKind, LockPath? otherPath) =>
        SymbolEqualityComparer.Default.Equals(kind.Type, otherKind.Type)
        && (path is null || otherPath is null || path.Equals(otherPath));

    /// <summary>The two are certainly one lock: <see cref="MayBe"/> with both paths known.</summary>
    public static bool Certainly(LockKind kind, LockPath? path, LockKind otherKind, LockPath? otherPath) =>
        path is not null && otherPath is not null && MayBe(kind, path, otherKind, otherPath);
}
