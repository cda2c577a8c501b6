using System.Composition;
using Microsoft.CodeAnalysis.CodeFixes;
using Toolstack.Analyzers;

namespace Toolstack.CodeFixes;

/// <summary>
/// TSL1006: the lock is already released wherever this release runs, so the release is
/// removed. Offered only for a release that is a statement of its own in a block or switch
/// section (removing part of an expression, or an <c>if</c>'s only statement, would change more).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(Tsl1006RemoveReleaseFix))]
[Shared]
public sealed class Tsl1006RemoveReleaseFix : LockCodeFixProvider<StatementSyntax>
{
    public static readonly string EquivalenceKey = KeyFor(Descriptors.DoubleRelease, "RemoveRelease");

    public Tsl1006RemoveReleaseFix() : base(Descriptors.DoubleRelease) { }

    private protected override StatementSyntax? Gather(FixContext context, Diagnostic diagnostic)
    {
        // Only a release standing alone in a statement list goes without changing anything else.
        StatementSyntax? release = AcquisitionSyntax.InvocationAt(context.Root, diagnostic.Location)?.Parent as ExpressionStatementSyntax;
        return release is not null && StatementEditing.CanRemove(release) ? release : null;
    }

    private protected override IEnumerable<FixAction> Offer(FixContext context, StatementSyntax release) =>
        FixAction.IfAny("Remove the second release", EquivalenceKey,
            root => StatementEditing.ReplaceAndRemove(root, new Dictionary<SyntaxNode, SyntaxNode>(), new[] { release }));
}
