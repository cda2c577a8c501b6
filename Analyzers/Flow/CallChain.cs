using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// How a method reaches something through the calls it makes: the calls, outermost first, and
/// the last hop — the operation at the end of the chain (the blocking call, the QMP call, the
/// acquisition), which diagnostics show as an additional location.
/// </summary>
internal sealed record CallChain(ImmutableArray<ISymbol> Calls, Location LastHop)
{
    /// <summary>Nothing reached.</summary>
    public static CallChain None { get; } = new CallChain(ImmutableArray<ISymbol>.Empty, Location.None);

    /// <summary>The method itself does it, at <paramref name="site"/>.</summary>
    public static CallChain Here(Location site) => new CallChain(ImmutableArray<ISymbol>.Empty, site);

    /// <summary>The call to <paramref name="callee"/> at <paramref name="site"/> is it.</summary>
    public static CallChain Direct(ISymbol callee, Location site) => new CallChain(ImmutableArray.Create(callee), site);

    public bool IsEmpty => Calls.IsEmpty;

    /// <summary>This chain as a caller sees it, through its call to <paramref name="callee"/>.</summary>
    public CallChain Through(ISymbol callee) => this with { Calls = Calls.Insert(0, callee) };

    public bool SameAs(CallChain other)
    {
        if (Calls.Length != other.Calls.Length || !LastHop.Equals(other.LastHop))
        {
            return false;
        }

        for (int i = 0; i < Calls.Length; i++)
        {
            if (!SymbolEqualityComparer.Default.Equals(Calls[i], other.Calls[i]))
            {
                return false;
            }
        }

        return true;
    }
}
