using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>How messages name locks, calls and chains of calls; the engine carries only symbols and syntax.</summary>
internal static class MessageText
{
    private const string Arrow = " → ";
    private const int MaxExpressionLength = 40;

    /// <summary><c>DriverLock '_driver'</c>, <c>DomainLock</c> (any of the type), <c>handle 'h'</c>.</summary>
    public static string Describe(LockName name) => name switch
    {
        LockName.OfPath path => Quote(path.Kind.Name, path.Path.ToString()),
        LockName.OfExpression expression => Quote(expression.Kind.Name, Shorten(expression.Expression.ToString())),
        LockName.OfMember member => Quote(member.Kind.Name, member.Member),
        LockName.OfHelper helper => Quote(helper.Kind.Name, helper.Helper.Name + "()"),
        LockName.AnyOf any => any.Kind.Name,
        LockName.OfHandleParameter handle => $"handle '{handle.Parameter.Name}'",
        _ => name.ToString(),
    };

    /// <summary><c>DriverLock '_driver' (when 'take' is true)</c>: a lock held on the paths where a bool has one value.</summary>
    public static string Describe(ConditionalHold held) =>
        $"{Describe(held.Acquisition.Name)} (when '{Shorten(held.Condition)}' is {(held.Value ? "true" : "false")})";

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

    /// <summary>The call, followed by the chain inside it.</summary>
    public static string Chain(ISymbol call, CallChain inside) => Chain(inside.Through(call).Calls);

    private static string Quote(string kind, string name) => $"{kind} '{name}'";

    private static string Shorten(string text) =>
        text.Length <= MaxExpressionLength ? text : text.Substring(0, MaxExpressionLength - 1) + "…";
}
