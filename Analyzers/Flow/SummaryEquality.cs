using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>Whether two summaries say the same, member by member: how a recursive cycle knows it has settled.</summary>
internal static class SummaryEquality
{
    public static bool Same(MethodSummary a, MethodSummary b) =>
        ReferenceEquals(a, b)
        || (SameItems(a.Acquires, b.Acquires, (x, y) => SameKind(x.Kind, y.Kind) && Equals(x.Path, y.Path) && x.ReturnsHandle == y.ReturnsHandle)
            && SameItems(a.Releases, b.Releases, (x, y) => x.HandleParameter == y.HandleParameter && SameKind(x.Kind, y.Kind)
                && Equals(x.Path, y.Path) && x.ThroughLock == y.ThroughLock)
            && SameItems(a.Takes, b.Takes, (x, y) => SameKind(x.Kind, y.Kind) && Equals(x.Path, y.Path) && Equals(x.Name, y.Name)
                && x.Chain.SameAs(y.Chain))
            && a.BlockingChain.SameAs(b.BlockingChain)
            && SameItems(a.UnlockRequirements, b.UnlockRequirements, (x, y) => SameKind(x.Kind, y.Kind) && x.Chain.SameAs(y.Chain))
            && SameItems(a.RequiredLocks, b.RequiredLocks, (x, y) => SameKind(x.Kind, y.Kind) && Equals(x.Path, y.Path)
                && Equals(x.Name, y.Name)));

    private static bool SameKind(LockKind? x, LockKind? y) =>
        x is null ? y is null : y is not null && SymbolEqualityComparer.Default.Equals(x.Type, y.Type);

    private static bool SameItems<T>(ImmutableArray<T> x, ImmutableArray<T> y, System.Func<T, T, bool> same)
    {
        if (x.Length != y.Length)
        {
            return false;
        }

        for (int i = 0; i < x.Length; i++)
        {
            if (!same(x[i], y[i]))
            {
                return false;
            }
        }

        return true;
    }
}
