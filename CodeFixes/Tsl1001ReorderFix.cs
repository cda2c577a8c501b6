using System.Composition;
using Microsoft.CodeAnalysis.CodeFixes;
using Toolstack.Analyzers;
using Toolstack.Analyzers.Rules;

namespace Toolstack.CodeFixes;

/// <summary>
/// The two acquisitions a TSL1001 names, where their handles go, and what the analyzer says of
/// the locks they take: levels, whether taking the held one blocks or awaits, and whether the
/// other forbids blocking or is slow.
/// </summary>
public sealed record ReorderNeeds(AcquisitionSite HeldSite, int HeldLevel, bool HeldBlocks, bool HeldAwaits,
    AcquisitionSite TakingSite, int TakingLevel, bool TakingForbidsBlocking, bool TakingIsSlow);

/// <summary>
/// TSL1001: swap two adjacent acquisitions into hierarchy order — two statements in a row of
/// one block, or two <c>using</c> statements nested directly. Nothing is offered for locks of
/// one level (no order exists), for acquisitions that are not adjacent, or when one statement
/// uses what the other declares or writes.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(Tsl1001ReorderFix))]
[Shared]
public sealed class Tsl1001ReorderFix : LockCodeFixProvider<ReorderNeeds>
{
    public static readonly string EquivalenceKey = KeyFor(Descriptors.LockOrder, "Reorder");

    public Tsl1001ReorderFix() : base(Descriptors.LockOrder) { }

    private protected override ReorderNeeds? Gather(FixContext context, Diagnostic diagnostic) =>
        AcquisitionSyntax.InvocationAt(context.Root, diagnostic.Location) is { } taking
        && DiagnosticData.SiteAt(diagnostic, FixProperties.TakenSite, FixProperties.TakenHandle, taking, context.Model,
            context.CancellationToken) is { } takingSite
        && DiagnosticData.HeldSite(diagnostic, context.Root, context.Model, context.CancellationToken) is { } heldSite
        && DiagnosticData.Level(diagnostic, FixProperties.LockLevel) is { } heldLevel
        && DiagnosticData.Level(diagnostic, FixProperties.TakenLevel) is { } takingLevel
        && DiagnosticData.Flag(diagnostic, FixProperties.LockBlocks) is { } heldBlocks
        && DiagnosticData.Flag(diagnostic, FixProperties.LockAwaited) is { } heldAwaits
        && DiagnosticData.Flag(diagnostic, FixProperties.TakenForbidsBlocking) is { } takingForbidsBlocking
        && DiagnosticData.Flag(diagnostic, FixProperties.TakenSlow) is { } takingIsSlow
            ? new ReorderNeeds(heldSite, heldLevel, heldBlocks, heldAwaits, takingSite, takingLevel, takingForbidsBlocking, takingIsSlow)
            : null;

    private protected override IEnumerable<FixAction> Offer(FixContext context, ReorderNeeds needs) =>
        FixAction.IfAny("Acquire the locks in hierarchy order", EquivalenceKey, Plan(context, needs));

    private static System.Func<SyntaxNode, SyntaxNode>? Plan(FixContext context, ReorderNeeds needs)
    {
        AcquisitionSite heldSite = needs.HeldSite;
        AcquisitionSite takingSite = needs.TakingSite;
        if (needs.TakingLevel >= needs.HeldLevel)
        {
            return null;
        }

        // Once swapped, the held lock is taken under the other: that must not block under a lock
        // that forbids blocking (the user's list of blocking APIs included), nor await under a
        // short lock (no order of the two is then right).
        if (needs.TakingForbidsBlocking && needs.HeldBlocks || !needs.TakingIsSlow && needs.HeldAwaits)
        {
            return null;
        }

        if (heldSite.Kind == AcquisitionSiteKind.UsingStatement && takingSite.Kind == AcquisitionSiteKind.UsingStatement)
        {
            return PlanNestedUsings((UsingStatementSyntax)heldSite.Statement, (UsingStatementSyntax)takingSite.Statement,
                context.Model, context.CancellationToken);
        }

        if (heldSite.Kind == AcquisitionSiteKind.UsingStatement || takingSite.Kind == AcquisitionSiteKind.UsingStatement)
        {
            return null;
        }

        return PlanAdjacent(heldSite.Statement, takingSite.Statement, context.Model);
    }

    /// <summary><c>held; taking;</c> in one block → <c>taking; held;</c>.</summary>
    private static System.Func<SyntaxNode, SyntaxNode>? PlanAdjacent(StatementSyntax first, StatementSyntax second,
        SemanticModel model)
    {
        if (first.Parent is not BlockSyntax block || second.Parent != block
            || block.Statements.IndexOf(first) + 1 != block.Statements.IndexOf(second)
            || StatementEditing.HasDirectives(first) || StatementEditing.HasDirectives(second)
            || DependsOn(first, second, model))
        {
            return null;
        }

        StatementSyntax newFirst;
        StatementSyntax newSecond;
        if (StatementEditing.HasComments(first.GetLeadingTrivia()) || StatementEditing.HasComments(second.GetLeadingTrivia()))
        {
            // Comments travel with their statements.
            newFirst = second;
            newSecond = first;
        }
        else
        {
            // Blank lines and indentation stay where they are.
            newFirst = second.WithLeadingTrivia(first.GetLeadingTrivia());
            newSecond = first.WithLeadingTrivia(second.GetLeadingTrivia());
        }

        return current => current.ReplaceNodes(new SyntaxNode[] { first, second },
            (original, _) => original == first ? newFirst : newSecond);
    }

    /// <summary>Whether either statement reads or writes what the other declares or writes.</summary>
    private static bool DependsOn(StatementSyntax first, StatementSyntax second, SemanticModel model)
    {
        DataFlowAnalysis? a = model.AnalyzeDataFlow(first);
        DataFlowAnalysis? b = model.AnalyzeDataFlow(second);
        if (a is null || b is null || !a.Succeeded || !b.Succeeded)
        {
            return true;
        }

        var producedByA = new HashSet<ISymbol>(a.VariablesDeclared.Concat(a.WrittenInside), SymbolEqualityComparer.Default);
        var producedByB = new HashSet<ISymbol>(b.VariablesDeclared.Concat(b.WrittenInside), SymbolEqualityComparer.Default);
        return b.ReadInside.Concat(b.WrittenInside).Any(producedByA.Contains)
            || a.ReadInside.Concat(a.WrittenInside).Any(producedByB.Contains);
    }

    /// <summary><c>using (held) using (taking) body</c> (directly, or as the outer block's only statement) → resources swapped.</summary>
    private static System.Func<SyntaxNode, SyntaxNode>? PlanNestedUsings(UsingStatementSyntax outer, UsingStatementSyntax inner,
        SemanticModel model, CancellationToken ct)
    {
        bool direct = outer.Statement == inner
            || outer.Statement is BlockSyntax { Statements.Count: 1 } block && block.Statements[0] == inner;
        if (!direct || StatementEditing.HasDirectives(outer))
        {
            return null;
        }

        // The inner resource may not use what the outer one declares.
        SyntaxNode innerResource = (SyntaxNode?)inner.Declaration ?? inner.Expression!;
        SyntaxNode outerResource = (SyntaxNode?)outer.Declaration ?? outer.Expression!;
        HashSet<ISymbol> declaredOuter = FixSemantics.DeclaredIn(new[] { outerResource }, model, ct);
        if (FixSemantics.Refers(new[] { innerResource }, declaredOuter, model, ct))
        {
            return null;
        }

        UsingStatementSyntax newInner = WithResourceOf(inner, outer);
        UsingStatementSyntax newOuter = WithResourceOf(outer.ReplaceNode(inner, newInner), inner);
        return current => current.ReplaceNode(outer, newOuter);
    }

    /// <summary><paramref name="target"/> holding <paramref name="source"/>'s resource (and its <c>await</c>), keeping its own trivia.</summary>
    private static UsingStatementSyntax WithResourceOf(UsingStatementSyntax target, UsingStatementSyntax source)
    {
        SyntaxTriviaList leading = target.GetLeadingTrivia();
        UsingStatementSyntax result = target
            .WithDeclaration(source.Declaration)
            .WithExpression(source.Expression);
        if (source.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword))
        {
            result = result.WithAwaitKeyword(SyntaxFactory.Token(SyntaxKind.AwaitKeyword).WithTrailingTrivia(SyntaxFactory.Space))
                .WithUsingKeyword(result.UsingKeyword.WithLeadingTrivia());
        }
        else
        {
            result = result.WithAwaitKeyword(default);
        }

        return result.WithLeadingTrivia(leading);
    }
}
