using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Toolstack.CodeFixes;

/// <summary>
/// Syntax helpers the lock fixes share: recognising lock receivers and releases, and removing
/// statements without disturbing the layout of the code around them.
/// </summary>
internal static class FixSyntax
{
    private const string RuntimeNamespace = "Toolstack.Runtime";

    private static readonly SyntaxAnnotation RemoveMarker = new SyntaxAnnotation("Toolstack.RemoveStatement");

    /// <summary>Whether <paramref name="method"/> carries <c>[ReleasesLock]</c> (the runtime's attribute).</summary>
    public static bool IsRelease(IMethodSymbol method) =>
        method.GetAttributes().Any(a => a.AttributeClass is { Name: "ReleasesLockAttribute" } type
            && type.ContainingNamespace?.ToDisplayString() == RuntimeNamespace);

    /// <summary>The explicit receiver of a call <c>x.M(...)</c>; null for a call on implicit <c>this</c> or a conditional access.</summary>
    public static ExpressionSyntax? ExplicitReceiver(InvocationExpressionSyntax invocation) =>
        invocation.Expression is MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.SimpleMemberAccessExpression } access
            ? access.Expression
            : null;

    /// <summary>
    /// A path of names with no side effects: <c>_lock</c>, <c>this._lock</c>, <c>domain.StateLock</c>.
    /// </summary>
    public static bool IsSimplePath(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax => true,
        ThisExpressionSyntax => true,
        MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.SimpleMemberAccessExpression } access =>
            access.Name is IdentifierNameSyntax && IsSimplePath(access.Expression),
        _ => false,
    };

    /// <summary>Whether two simple paths name the same thing (<c>_lock</c> and <c>this._lock</c> do).</summary>
    public static bool SamePath(ExpressionSyntax a, ExpressionSyntax b, SemanticModel model)
    {
        if (!IsSimplePath(a) || !IsSimplePath(b)
            || !SyntaxFactory.AreEquivalent(WithoutThis(a), WithoutThis(b)))
        {
            return false;
        }

        ISymbol? first = model.GetSymbolInfo(a).Symbol;
        ISymbol? second = model.GetSymbolInfo(b).Symbol;
        return first is not null && SymbolEqualityComparer.Default.Equals(first, second)
            && SymbolEqualityComparer.Default.Equals(LeftmostSymbol(a, model), LeftmostSymbol(b, model));
    }

    /// <summary>The symbol the first name of a simple path binds to (a local, parameter, field, property or <c>this</c>).</summary>
    public static ISymbol? LeftmostSymbol(ExpressionSyntax path, SemanticModel model)
    {
        ExpressionSyntax leftmost = Leftmost(path);
        return leftmost is ThisExpressionSyntax
            ? model.GetEnclosingSymbol(leftmost.SpanStart)?.ContainingType
            : model.GetSymbolInfo(leftmost).Symbol;
    }

    public static ExpressionSyntax Leftmost(ExpressionSyntax path)
    {
        while (path is MemberAccessExpressionSyntax access)
        {
            path = access.Expression;
        }

        return path;
    }

    private static ExpressionSyntax WithoutThis(ExpressionSyntax path) =>
        path is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } access ? access.Name : path;

    /// <summary>
    /// Whether <paramref name="statement"/> can be removed cleanly: it sits in a statement list (a
    /// block or a switch section), on a line of its own, with no preprocessor directive around it.
    /// </summary>
    public static bool CanRemove(StatementSyntax statement)
    {
        if (statement.Parent is not (BlockSyntax or SwitchSectionSyntax))
        {
            return false;
        }

        if (statement.GetLeadingTrivia().Concat(statement.GetTrailingTrivia()).Any(t => t.IsDirective)
            || !statement.GetTrailingTrivia().Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia)))
        {
            return false;
        }

        SyntaxToken previous = statement.GetFirstToken().GetPreviousToken();
        return previous.RawKind == 0 || previous.TrailingTrivia.Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
    }

    /// <summary>
    /// Replaces <paramref name="replacements"/> and removes <paramref name="removals"/> (statements in
    /// blocks or switch sections, none inside another). A removed statement's line goes; a blank
    /// line before it is kept before the next statement, so paragraphs stay apart.
    /// </summary>
    public static SyntaxNode ReplaceAndRemove(SyntaxNode root, IReadOnlyDictionary<SyntaxNode, SyntaxNode> replacements,
        IReadOnlyCollection<StatementSyntax> removals)
    {
        var removalSet = new HashSet<SyntaxNode>(removals);
        SyntaxNode marked = root.ReplaceNodes(replacements.Keys.Concat(removals),
            (original, rewritten) => removalSet.Contains(original)
                ? rewritten.WithAdditionalAnnotations(RemoveMarker)
                : replacements[original]);

        var containers = marked.GetAnnotatedNodes(RemoveMarker).Select(n => n.Parent!).Distinct().ToList();
        return marked.ReplaceNodes(containers, (_, rewritten) => rewritten switch
        {
            BlockSyntax block => block.WithStatements(RemoveMarked(block.Statements)),
            SwitchSectionSyntax section => section.WithStatements(RemoveMarked(section.Statements)),
            _ => rewritten,
        });
    }

    private static SyntaxList<StatementSyntax> RemoveMarked(SyntaxList<StatementSyntax> statements)
    {
        var kept = new List<StatementSyntax>();
        bool pendingBlankLine = false;
        foreach (StatementSyntax statement in statements)
        {
            if (statement.HasAnnotation(RemoveMarker))
            {
                pendingBlankLine |= StartsWithBlankLine(statement.GetLeadingTrivia());
                continue;
            }

            StatementSyntax next = statement;
            if (pendingBlankLine && !StartsWithBlankLine(statement.GetLeadingTrivia()))
            {
                next = statement.WithLeadingTrivia(
                    new[] { SyntaxFactory.EndOfLine("\n") }.Concat(statement.GetLeadingTrivia()));
                next = next.WithLeadingTrivia(FixNewLine(next.GetLeadingTrivia(), statements));
            }

            pendingBlankLine = false;
            kept.Add(next);
        }

        return SyntaxFactory.List(kept);
    }

    /// <summary>Uses the document's own line ending for an inserted blank line.</summary>
    private static SyntaxTriviaList FixNewLine(SyntaxTriviaList trivia, SyntaxList<StatementSyntax> statements)
    {
        SyntaxTrivia existing = statements.SelectMany(s => s.GetTrailingTrivia())
            .FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        if (existing.RawKind == 0)
        {
            return trivia;
        }

        return SyntaxFactory.TriviaList(new[] { existing }.Concat(trivia.Skip(1)));
    }

    /// <summary>Whether the trivia before a statement holds an empty line (only whitespace before an end of line).</summary>
    public static bool StartsWithBlankLine(SyntaxTriviaList leading)
    {
        foreach (SyntaxTrivia trivia in leading)
        {
            if (trivia.IsKind(SyntaxKind.EndOfLineTrivia))
            {
                return true;
            }

            if (!trivia.IsKind(SyntaxKind.WhitespaceTrivia))
            {
                return false;
            }
        }

        return false;
    }
}
