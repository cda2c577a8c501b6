using System.Globalization;
using Microsoft.CodeAnalysis.Formatting;

namespace Toolstack.CodeFixes;

/// <summary>
/// Editing statement lists: removing statements, surrounding or wrapping them (in a try/finally),
/// fresh names, and the blank lines, comments and directives around what moves.
/// </summary>
internal static class StatementEditing
{
    private static readonly SyntaxAnnotation RemoveMarker = new SyntaxAnnotation("Toolstack.RemoveStatement");

    // ---- removing ---------------------------------------------------------------------------

    /// <summary>
    /// Whether <paramref name="statement"/> can be removed cleanly: it sits in a statement list (a
    /// block or a switch section), on a line of its own, with no preprocessor directive around it.
    /// </summary>
    public static bool CanRemove(StatementSyntax statement)
    {
        if (statement.Parent is not (BlockSyntax or SwitchSectionSyntax)
            || statement.GetLeadingTrivia().Concat(statement.GetTrailingTrivia()).Any(t => t.IsDirective)
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
        SyntaxTrivia endOfLine = statements.SelectMany(s => s.GetTrailingTrivia())
            .FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
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
                // The document's own line ending for the blank line kept.
                next = statement.WithLeadingTrivia(statement.GetLeadingTrivia()
                    .Insert(0, endOfLine.RawKind == 0 ? SyntaxFactory.EndOfLine("\n") : endOfLine));
            }

            pendingBlankLine = false;
            kept.Add(next);
        }

        return SyntaxFactory.List(kept);
    }

    // ---- surrounding and wrapping -----------------------------------------------------------

    /// <summary><paramref name="statement"/> between <paramref name="before"/> and <paramref name="after"/>, each on its own line.</summary>
    public static SyntaxNode Surround(SyntaxNode root, StatementSyntax statement, StatementSyntax before, StatementSyntax after)
    {
        // Line breaks are chosen here; the formatter indents the two new lines and the statement's.
        SyntaxTrivia endOfLine = EndOfLine(root);
        StatementSyntax first = before.WithLeadingTrivia(statement.GetLeadingTrivia()).WithTrailingTrivia(endOfLine)
            .WithAdditionalAnnotations(Formatter.Annotation);
        StatementSyntax middle = statement.ReplaceToken(statement.GetFirstToken(), Reformatted(statement.GetFirstToken()));
        StatementSyntax last = after.WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithTrailingTrivia(endOfLine)
            .WithAdditionalAnnotations(Formatter.Annotation);
        if (!statement.GetTrailingTrivia().Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia)))
        {
            middle = middle.WithTrailingTrivia(middle.GetTrailingTrivia().Add(endOfLine));
        }

        return root.ReplaceNode(statement, new[] { first, middle, last });
    }

    /// <summary>
    /// In place of <paramref name="statement"/>: <c>declared; before; try { guarded } finally { after }</c>
    /// (<paramref name="declared"/>, the statement's locals hoisted, may be absent): <paramref name="after"/>
    /// runs however the guarded statements end.
    /// </summary>
    public static SyntaxNode SurroundWithFinally(SyntaxNode root, StatementSyntax statement, StatementSyntax? declared,
        StatementSyntax before, IReadOnlyList<StatementSyntax> guarded, StatementSyntax after)
    {
        // Line breaks are chosen here; the formatter indents the new lines and lays out the try.
        // Comments before the statement go before the first new line; its own trailing comment stays with it.
        SyntaxTrivia endOfLine = EndOfLine(root);
        var replacement = new List<StatementSyntax>();
        if (declared is not null)
        {
            replacement.Add(declared.WithLeadingTrivia(statement.GetLeadingTrivia()).WithTrailingTrivia(endOfLine)
                .WithAdditionalAnnotations(Formatter.Annotation));
        }

        replacement.Add(before.WithLeadingTrivia(declared is null ? statement.GetLeadingTrivia() : SyntaxFactory.TriviaList(SyntaxFactory.ElasticMarker))
            .WithTrailingTrivia(endOfLine).WithAdditionalAnnotations(Formatter.Annotation));
        List<StatementSyntax> body = guarded.Select(s => s.ReplaceToken(s.GetFirstToken(), Reformatted(s.GetFirstToken()))).ToList();
        if (!body[body.Count - 1].GetTrailingTrivia().Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia)))
        {
            body[body.Count - 1] = body[body.Count - 1].WithTrailingTrivia(body[body.Count - 1].GetTrailingTrivia().Add(endOfLine));
        }

        replacement.Add(SyntaxFactory.TryStatement(
                SyntaxFactory.Block(body),
                default,
                SyntaxFactory.FinallyClause(SyntaxFactory.Block(
                    after.WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithTrailingTrivia(SyntaxFactory.ElasticMarker))))
            .WithLeadingTrivia(SyntaxFactory.ElasticMarker)
            .WithTrailingTrivia(endOfLine)
            .WithAdditionalAnnotations(Formatter.Annotation));
        return root.ReplaceNode(statement, replacement);
    }

    /// <summary>
    /// <c>try { wrapped } finally { release }</c> in place of <paramref name="wrapped"/>: the blank
    /// lines before the first wrapped statement stay before the <c>try</c>; the formatter lays out the rest.
    /// </summary>
    public static TryStatementSyntax WrapInTryFinally(IReadOnlyList<StatementSyntax> wrapped, StatementSyntax release)
    {
        (SyntaxTriviaList blankLines, SyntaxTriviaList rest) = SplitBlankLines(wrapped[0].GetLeadingTrivia());
        var body = wrapped.ToList();
        body[0] = body[0].WithLeadingTrivia(rest);

        return SyntaxFactory.TryStatement(
                SyntaxFactory.Block(body),
                default,
                SyntaxFactory.FinallyClause(SyntaxFactory.Block(
                    release.WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithTrailingTrivia(SyntaxFactory.ElasticMarker))))
            .WithLeadingTrivia(blankLines.AddRange(Indentation(rest)))
            .WithTrailingTrivia(release.GetTrailingTrivia())
            .WithAdditionalAnnotations(Formatter.Annotation);
    }

    // ---- names ------------------------------------------------------------------------------

    /// <summary>
    /// <paramref name="stem"/>, else <paramref name="stem"/>2, 3, …: the first not declared or used
    /// in the member around <paramref name="within"/> nor visible at <paramref name="position"/>.
    /// </summary>
    public static string FreshName(string stem, SyntaxNode within, SemanticModel model, int position)
    {
        SyntaxNode member = within.FirstAncestorOrSelf<MemberDeclarationSyntax>() ?? within;
        var taken = new HashSet<string>(member.DescendantTokens()
            .Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
        taken.UnionWith(model.LookupSymbols(position).Select(symbol => symbol.Name));

        string candidate = stem;
        for (int suffix = 2; taken.Contains(candidate); suffix++)
        {
            candidate = stem + suffix.ToString(CultureInfo.InvariantCulture);
        }

        return candidate;
    }

    // ---- trivia -----------------------------------------------------------------------------

    /// <summary>The document's line break: the first one in it, or <c>\n</c>.</summary>
    public static SyntaxTrivia EndOfLine(SyntaxNode root)
    {
        SyntaxTrivia first = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        return SyntaxFactory.EndOfLine(first.RawKind == 0 ? "\n" : first.ToString());
    }

    /// <summary>The whitespace just before a statement's first token (the end of its leading trivia); an elastic marker when none.</summary>
    public static SyntaxTriviaList Indentation(SyntaxTriviaList leading) =>
        leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia)
            ? SyntaxFactory.TriviaList(leading[leading.Count - 1])
            : SyntaxFactory.TriviaList(SyntaxFactory.ElasticMarker);

    /// <summary>Whether the trivia before a statement holds an empty line (only whitespace before an end of line).</summary>
    public static bool StartsWithBlankLine(SyntaxTriviaList leading) => SplitBlankLines(leading).BlankLines.Count > 0;

    /// <summary>Leading trivia without the blank lines it starts with.</summary>
    public static SyntaxTriviaList WithoutLeadingBlankLines(SyntaxTriviaList leading) => SplitBlankLines(leading).Remainder;

    /// <summary>Splits the empty lines at the start of a statement's leading trivia from the rest.</summary>
    public static (SyntaxTriviaList BlankLines, SyntaxTriviaList Remainder) SplitBlankLines(SyntaxTriviaList leading)
    {
        int split = 0;
        for (int i = 0; i < leading.Count; i++)
        {
            if (leading[i].IsKind(SyntaxKind.EndOfLineTrivia))
            {
                split = i + 1;
            }
            else if (!leading[i].IsKind(SyntaxKind.WhitespaceTrivia))
            {
                break;
            }
        }

        return (SyntaxFactory.TriviaList(leading.Take(split)), SyntaxFactory.TriviaList(leading.Skip(split)));
    }

    /// <summary>Leading trivia without the indentation of its last line (what precedes the token on its line).</summary>
    public static SyntaxTriviaList WithoutTrailingIndentation(SyntaxTriviaList trivia) =>
        trivia.Count > 0 && trivia[trivia.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia)
            ? SyntaxFactory.TriviaList(trivia.Take(trivia.Count - 1))
            : trivia;

    /// <summary><paramref name="token"/> starting a line the formatter indents: its leading trivia left to the formatter.</summary>
    public static SyntaxToken Reformatted(SyntaxToken token) =>
        token.WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithAdditionalAnnotations(Formatter.Annotation);

    /// <summary>Whether <paramref name="trivia"/> holds anything besides whitespace and line breaks.</summary>
    public static bool HasComments(SyntaxTriviaList trivia) =>
        trivia.Any(t => !t.IsKind(SyntaxKind.WhitespaceTrivia) && !t.IsKind(SyntaxKind.EndOfLineTrivia));

    /// <summary>Whether a preprocessor directive (or text it disables) lies in or before <paramref name="node"/>.</summary>
    public static bool HasDirectives(SyntaxNode node) =>
        node.DescendantTrivia().Any(t => t.IsDirective || t.IsKind(SyntaxKind.DisabledTextTrivia))
        || node.GetLeadingTrivia().Any(t => t.IsDirective);
}
