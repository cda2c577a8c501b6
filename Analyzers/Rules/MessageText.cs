using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Rules;

/// <summary>How messages name calls and chains of calls; the engine carries only the symbols.</summary>
internal static class MessageText
{
    private const string Arrow = " → ";

    /// <summary>How a message names a call: <c>Thread.Sleep</c>, or a method of this compilation by its name.</summary>
    public static string CallName(ISymbol callee)
    {
        if (callee is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor)
        {
            return "new " + constructor.ContainingType.Name;
        }

        if (callee is IMethodSymbol { MethodKind: MethodKind.LocalFunction } || !callee.Locations.IsEmpty && callee.Locations[0].IsInSource)
        {
            return callee.Name;
        }

        return callee.ContainingType is null ? callee.Name : callee.ContainingType.Name + "." + callee.Name;
    }

    /// <summary><c>Refresh → Wait → Thread.Sleep</c>: the calls that lead from one to the next, outermost first.</summary>
    public static string Chain(IEnumerable<ISymbol> calls) => string.Join(Arrow, calls.Select(CallName));

    /// <summary>The call, followed by the chain inside it (if any).</summary>
    public static string Chain(ISymbol call, IEnumerable<ISymbol> inside) => Chain(new[] { call }.Concat(inside));
}
