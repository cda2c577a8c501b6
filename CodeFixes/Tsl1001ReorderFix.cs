using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Toolstack.Analyzers;
using Toolstack.Analyzers.Model;

namespace Toolstack.CodeFixes;

/// <summary>
/// TSL1001: swap two adjacent acquisitions into hierarchy order — two statements in a row of
/// one block, or two <c>using</c> statements nested directly. Nothing is offered for locks of
/// one level (no order exists), for acquisitions that are not adjacent, or when one statement
/// uses what the other declares or writes.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(Tsl1001ReorderFix))]
[Shared]
public sealed class Tsl1001ReorderFix : CodeFixProvider
{
    public const string EquivalenceKey = "TSL1001.Reorder";

    private const string Title = "Acquire the locks in hierarchy order";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.LockOrder.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        Document document = context.Document;
        CancellationToken ct = context.CancellationToken;
        SyntaxNode? root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        SemanticModel? model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
        if (root is null || model is null || LockModel.TryCreate(model.Compilation) is not { } lockModel)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (Plan(root, model, lockModel, diagnostic, ct) is { } plan)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(Title, _ => Task.FromResult(document.WithSyntaxRoot(plan(root))), EquivalenceKey),
                    diagnostic);
            }
        }
    }

    private static System.Func<SyntaxNode, SyntaxNode>? Plan(SyntaxNode root, SemanticModel model, LockModel lockModel,
        Diagnostic diagnostic, CancellationToken ct)
    {
        if (LockFixSupport.NodeAt(root, diagnostic.Location) is not InvocationExpressionSyntax taking
            || LockFixSupport.HeldAcquisition(root, diagnostic) is not { } held
            || LockFixSupport.AcquiredKind(taking, model, lockModel, ct) is not { } takingKind
            || LockFixSupport.AcquiredKind(held, model, lockModel, ct) is not { } heldKind
            || takingKind.Level >= heldKind.Level
            || LockFixSupport.SiteOf(taking, model, ct) is not { } takingSite
            || LockFixSupport.SiteOf(held, model, ct) is not { } heldSite)
        {
            return null;
        }

        // Once swapped, the held lock is taken under the other: that must not block under a lock
        // that forbids blocking, nor await under a short lock (no order of the two is then right).
        if (takingKind.ForbidsBlocking && LockFixSupport.IsBlocking(held, model, lockModel, ct)
            || !takingKind.IsSlow && Awaits(heldSite))
        {
            return null;
        }

        if (heldSite.Kind == AcquisitionSiteKind.UsingStatement && takingSite.Kind == AcquisitionSiteKind.UsingStatement)
        {
            return PlanNestedUsings((UsingStatementSyntax)heldSite.Statement, (UsingStatementSyntax)takingSite.Statement,
                model, ct);
        }

        if (heldSite.Kind == AcquisitionSiteKind.UsingStatement || takingSite.Kind == AcquisitionSiteKind.UsingStatement)
        {
            return null;
        }

        return PlanAdjacent(heldSite.Statement, takingSite.Statement, model);
    }

    /// <summary>Whether taking the lock at <paramref name="site"/> awaits (an awaited call, or an <c>await using</c>).</summary>
    private static bool Awaits(AcquisitionSite site)
    {
        if (site.Statement is UsingStatementSyntax usingStatement)
        {
            SyntaxNode resource = (SyntaxNode?)usingStatement.Declaration ?? usingStatement.Expression!;
            return usingStatement.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword)
                || resource.DescendantNodesAndSelf().OfType<AwaitExpressionSyntax>().Any();
        }

        return site.Statement is LocalDeclarationStatementSyntax { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword }
            || site.Statement.DescendantNodes().OfType<AwaitExpressionSyntax>().Any();
    }

    /// <summary><c>held; taking;</c> in one block → <c>taking; held;</c>.</summary>
    private static System.Func<SyntaxNode, SyntaxNode>? PlanAdjacent(StatementSyntax first, StatementSyntax second,
        SemanticModel model)
    {
        if (first.Parent is not BlockSyntax block || second.Parent != block
            || block.Statements.IndexOf(first) + 1 != block.Statements.IndexOf(second)
            || LockFixSupport.HasDirectives(first) || LockFixSupport.HasDirectives(second)
            || DependsOn(first, second, model))
        {
            return null;
        }

        StatementSyntax newFirst;
        StatementSyntax newSecond;
        if (LockFixSupport.HasComments(first.GetLeadingTrivia()) || LockFixSupport.HasComments(second.GetLeadingTrivia()))
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
        if (!direct || LockFixSupport.HasDirectives(outer))
        {
            return null;
        }

        // The inner resource may not use what the outer one declares.
        SyntaxNode innerResource = (SyntaxNode?)inner.Declaration ?? inner.Expression!;
        SyntaxNode outerResource = (SyntaxNode?)outer.Declaration ?? outer.Expression!;
        HashSet<ISymbol> declaredOuter = LockFixSupport.DeclaredIn(new[] { outerResource }, model, ct);
        if (LockFixSupport.Refers(new[] { innerResource }, declaredOuter, model, ct))
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
