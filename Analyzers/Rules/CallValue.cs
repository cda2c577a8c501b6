using System.Threading.Tasks;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Toolstack.Analyzers.Rules;

/// <summary>The syntax of a call's value, shared by the fix data here and the code fixes.</summary>
internal static class CallValue
{
    /// <summary>Up through parentheses, <c>await</c> and <c>.ConfigureAwait(…)</c>: the expression whose value is the call's.</summary>
    public static ExpressionSyntax ValueOf(ExpressionSyntax call)
    {
        ExpressionSyntax value = call;
        while (true)
        {
            switch (value.Parent)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                    value = parenthesized;
                    continue;
                case AwaitExpressionSyntax awaited:
                    value = awaited;
                    continue;
                case MemberAccessExpressionSyntax { Name.Identifier.ValueText: nameof(Task.ConfigureAwait) } member
                    when member.Expression == value && member.Parent is InvocationExpressionSyntax configured:
                    value = configured;
                    continue;
                default:
                    return value;
            }
        }
    }
}
