using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Toolstack.CodeFixes;

/// <summary>
/// TSL1006: the lock is already released wherever this release runs, so the release is
/// removed. Offered only for a release that is a statement of its own in a block or switch
/// section (removing part of an expression, or an <c>if</c>'s only statement, would change more).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(Tsl1006RemoveReleaseFix))]
public sealed class Tsl1006RemoveReleaseFix : CodeFixProvider
{
    public const string EquivalenceKey = "Toolstack.TSL1006.RemoveRelease";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("TSL1006");

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (FindStatement(root, diagnostic) is { } statement)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Remove the second release",
                        ct => RemoveAsync(context.Document, statement, ct),
                        EquivalenceKey),
                    diagnostic);
            }
        }
    }

    private static ExpressionStatementSyntax? FindStatement(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Location.IsInSource
            || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)
                .FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } release
            || release.Span != diagnostic.Location.SourceSpan)
        {
            return null;
        }

        return release.Parent is ExpressionStatementSyntax statement && FixSyntax.CanRemove(statement)
            ? statement
            : null;
    }

    private static async Task<Document> RemoveAsync(Document document, StatementSyntax statement, CancellationToken ct)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(ct).ConfigureAwait(false))!;
        SyntaxNode fixedRoot = FixSyntax.ReplaceAndRemove(root, new Dictionary<SyntaxNode, SyntaxNode>(), new[] { statement });
        return document.WithSyntaxRoot(fixedRoot);
    }
}
