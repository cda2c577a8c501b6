using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using Toolstack.Analyzers.Rules;

namespace Toolstack.CodeFixes;

/// <summary>
/// The statement making the reported call (a direct statement of <paramref name="Block"/>), the held
/// lock's acquisition <c>x.Lock()</c> and where its handle goes, the lock <c>x</c>, and its methods
/// that take and release it.
/// </summary>
public sealed record ReleaseTarget(StatementSyntax Statement, BlockSyntax Block, InvocationExpressionSyntax Acquisition,
    AcquisitionSite Site, ExpressionSyntax LockExpression, IMethodSymbol AcquireMethod, IMethodSymbol ReleaseMethod);

/// <summary>The fixes that give a held lock up around the reported call (TSL1002, TSL1004): they need the same target.</summary>
public abstract class ReleaseAroundCallFix : LockCodeFixProvider<ReleaseTarget>
{
    private protected ReleaseAroundCallFix(DiagnosticDescriptor fixable) : base(fixable) { }

    private protected sealed override ReleaseTarget? Gather(FixContext context, Diagnostic diagnostic) =>
        ReleaseAroundStatement.FindTarget(context, diagnostic);
}

/// <summary>
/// The rewrite TSL1002 and TSL1004 share: give a held lock up around one statement and take it
/// back after, as libvirt's "drop driver lock around sleep" did. A handle in an assignable
/// local is released and re-taken explicitly; a <c>using</c> scope is split in two around the
/// statement. Plans are computed against the original document; a null plan means no fix.
/// </summary>
internal static class ReleaseAroundStatement
{
    /// <summary>
    /// Finds the statement and the lock, checking what every form of the fix needs; null when
    /// nothing can be offered. What the lock is, where its handle goes and whether taking it back
    /// is in order come from the analyzer (<see cref="Diagnostic.Properties"/>).
    /// </summary>
    public static ReleaseTarget? FindTarget(FixContext context, Diagnostic diagnostic)
    {
        SyntaxNode root = context.Root;
        SemanticModel model = context.Model;
        CancellationToken ct = context.CancellationToken;

        // Taking the lock back after the statement must be in order: every other lock held there is outer to it.
        if (DiagnosticData.Flag(diagnostic, FixProperties.RetakeInOrder) != true
            || AcquisitionSyntax.NodeAt(root, diagnostic.Location) is not { } call
            || DiagnosticData.HeldSite(diagnostic, root, model, ct) is not { } site
            || DiagnosticData.LockType(diagnostic, model.Compilation) is not { } lockType
            || AcquisitionSyntax.InvocationAt(root, diagnostic.AdditionalLocations[0]) is not { } acquisition
            || AcquisitionSyntax.EnclosingStatement(call) is not { Parent: BlockSyntax block } statement
            || !IsMovable(statement)
            || statement.SpanStart <= acquisition.Span.End
            || acquisition.Expression is not MemberAccessExpressionSyntax access
            || acquisition.ArgumentList.Arguments.Count != 0
            || !AcquisitionSyntax.IsStable(access.Expression)
            || StatementEditing.HasDirectives(statement))
        {
            return null;
        }

        // The lock must be one that can be given up and taken back: an acquiring method of the
        // lock's type without arguments, and a releasing method of that type taking the handle it returns.
        if (model.GetSymbolInfo(acquisition, ct).Symbol is not IMethodSymbol { IsStatic: false } lockMethod
            || !SymbolEqualityComparer.Default.Equals(lockType, lockMethod.ContainingType)
            || ReleaseOf(lockMethod, context) is not { } unlockMethod)
        {
            return null;
        }

        // Nothing in the statement may take or give up locks itself: the order around it would change.
        return FixSemantics.TakesOrReleasesLocks(statement, model, context.LockModel, ct)
            ? null
            : new ReleaseTarget(statement, block, acquisition, site, access.Expression, lockMethod, unlockMethod);
    }

    /// <summary>The method of the lock's type that releases the handle <paramref name="lockMethod"/> returns.</summary>
    private static IMethodSymbol? ReleaseOf(IMethodSymbol lockMethod, FixContext context) =>
        lockMethod.ContainingType.GetMembers().OfType<IMethodSymbol>().FirstOrDefault(unlock =>
            !unlock.IsStatic
            && unlock.Parameters.Length == 1
            && SymbolEqualityComparer.Default.Equals(unlock.Parameters[0].Type, lockMethod.ReturnType)
            && FixSemantics.IsRelease(unlock, context.LockModel));

    /// <summary>The rewrite releasing and re-taking the lock around the statement, or null when it cannot be expressed safely.</summary>
    public static Func<SyntaxNode, SyntaxNode>? PlanRelease(ReleaseTarget target, FixContext context)
    {
        SyntaxNode root = context.Root;
        SemanticModel model = context.Model;
        CancellationToken ct = context.CancellationToken;
        AcquisitionSite site = target.Site;
        switch (site.Kind)
        {
            case AcquisitionSiteKind.LocalDeclaration:
            case AcquisitionSiteKind.Assignment:
                return PlanExplicit(target, site.Local!, context);
            case AcquisitionSiteKind.UsingStatement:
                return PlanSplitStatement(target, (UsingStatementSyntax)site.Statement, site.Local, root, model, ct);
            case AcquisitionSiteKind.UsingDeclaration:
                return PlanSplitDeclaration(target, (LocalDeclarationStatementSyntax)site.Statement, site.Local!, root, model, ct);
            default:
                return null;
        }
    }

    /// <summary>Surrounds the target's statement with <paramref name="before"/> and <paramref name="after"/>.</summary>
    public static Func<SyntaxNode, SyntaxNode> PlanWrap(ReleaseTarget target, SyntaxNode before, SyntaxNode after) =>
        current => StatementEditing.Surround(current, target.Statement, (StatementSyntax)before, (StatementSyntax)after);

    private static bool IsMovable(StatementSyntax statement) => statement switch
    {
        ExpressionStatementSyntax => true,
        LocalDeclarationStatementSyntax declaration => !declaration.IsConst
            && !declaration.UsingKeyword.IsKind(SyntaxKind.UsingKeyword),
        _ => false,
    };

    // ---- an assignable handle: Unlock before, Lock after -----------------------------------

    private static Func<SyntaxNode, SyntaxNode>? PlanExplicit(ReleaseTarget target, ILocalSymbol handle, FixContext context)
    {
        // The statement must see the handle's local, and not use the handle it gives up.
        if (!context.Model.LookupSymbols(target.Statement.SpanStart, name: handle.Name)
                .Any(symbol => SymbolEqualityComparer.Default.Equals(symbol, handle))
            || FixSemantics.Refers(new[] { target.Statement }, new[] { (ISymbol)handle }, context.Model, context.CancellationToken))
        {
            return null;
        }

        SyntaxGenerator g = context.Generator;
        ExpressionSyntax lockExpression = target.LockExpression.WithoutTrivia();
        SyntaxNode release = g.ExpressionStatement(g.InvocationExpression(
            g.MemberAccessExpression(lockExpression, target.ReleaseMethod.Name), g.IdentifierName(handle.Name)));
        SyntaxNode retake = g.ExpressionStatement(g.AssignmentStatement(g.IdentifierName(handle.Name),
            g.InvocationExpression(g.MemberAccessExpression(lockExpression, target.AcquireMethod.Name))));
        if (!HandlerReleases(target.Statement, handle, context.Model, context.CancellationToken))
        {
            return PlanWrap(target, release, retake);
        }

        // A catch or finally around the statement releases the handle too: were the statement to
        // throw between release and re-take, that handler would release a lock no longer held
        // (LockNotHeldException, hiding the real error). The re-take goes in a finally of its own,
        // so the lock is back on every path.
        return PlanGuarded(target, (StatementSyntax)release, (StatementSyntax)retake, context);
    }

    /// <summary>
    /// <c>release; try { S; } finally { retake; }</c>. A declaration whose locals later statements
    /// use is split: <c>T v; release; try { v = …; } finally { retake; }</c>.
    /// </summary>
    private static Func<SyntaxNode, SyntaxNode>? PlanGuarded(ReleaseTarget target, StatementSyntax release, StatementSyntax retake,
        FixContext context)
    {
        SemanticModel model = context.Model;
        CancellationToken ct = context.CancellationToken;
        StatementSyntax statement = target.Statement;
        HashSet<ISymbol> declaredHere = FixSemantics.DeclaredIn(new[] { statement }, model, ct);
        StatementSyntax[] later = target.Block.Statements.Skip(target.Block.Statements.IndexOf(statement) + 1).ToArray();
        if (!FixSemantics.Refers(later, declaredHere, model, ct))
        {
            return current => StatementEditing.SurroundWithFinally(current, statement, null, release, new[] { statement }, retake);
        }

        // Only the declared variables themselves can be hoisted (not a pattern or out variable in an initializer).
        if (statement is not LocalDeclarationStatementSyntax { Modifiers.Count: 0 } declaration
            || declaration.Declaration.Variables.Any(v => v.Initializer is null)
            || declaredHere.Count != declaration.Declaration.Variables.Count
            || model.GetDeclaredSymbol(declaration.Declaration.Variables[0], ct) is not ILocalSymbol first)
        {
            return null;
        }

        SyntaxGenerator g = context.Generator;
        TypeSyntax type = declaration.Declaration.Type.IsVar
            ? (TypeSyntax)g.TypeExpression(first.Type).WithAdditionalAnnotations(Simplifier.Annotation)
            : declaration.Declaration.Type.WithoutTrivia();
        StatementSyntax hoisted = SyntaxFactory.LocalDeclarationStatement(SyntaxFactory.VariableDeclaration(type,
            SyntaxFactory.SeparatedList(declaration.Declaration.Variables.Select(v => SyntaxFactory.VariableDeclarator(v.Identifier.WithoutTrivia())))));
        StatementSyntax[] assignments = declaration.Declaration.Variables
            .Select(v => (StatementSyntax)g.ExpressionStatement(g.AssignmentStatement(g.IdentifierName(v.Identifier.ValueText), v.Initializer!.Value.WithoutTrivia())))
            .ToArray();
        assignments[assignments.Length - 1] = assignments[assignments.Length - 1].WithTrailingTrivia(statement.GetTrailingTrivia());
        return current => StatementEditing.SurroundWithFinally(current, statement, hoisted, release, assignments, retake);
    }

    /// <summary>Whether a <c>catch</c> or <c>finally</c> of a <c>try</c> around <paramref name="statement"/> refers to <paramref name="handle"/>.</summary>
    private static bool HandlerReleases(StatementSyntax statement, ILocalSymbol handle, SemanticModel model, CancellationToken ct)
    {
        SyntaxNode inner = statement;
        foreach (SyntaxNode outer in statement.Ancestors())
        {
            if (outer is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or MemberDeclarationSyntax)
            {
                return false;
            }

            if (outer is TryStatementSyntax tryStatement && tryStatement.Block == inner
                && FixSemantics.Refers(tryStatement.Catches.Select(c => (SyntaxNode)c.Block)
                    .Concat(tryStatement.Finally is { } @finally ? new SyntaxNode[] { @finally.Block } : Array.Empty<SyntaxNode>()),
                    new[] { (ISymbol)handle }, model, ct))
            {
                return true;
            }

            inner = outer;
        }

        return false;
    }

    // ---- using (…) { A; S; B; } → using (…) { A; } S; using (…) { B; } ------------------------

    private static Func<SyntaxNode, SyntaxNode>? PlanSplitStatement(ReleaseTarget target, UsingStatementSyntax usingStatement,
        ILocalSymbol? handle, SyntaxNode root, SemanticModel model, CancellationToken ct)
    {
        StatementSyntax statement = target.Statement;
        if (usingStatement.Statement != target.Block || usingStatement.Parent is not BlockSyntax
            || StatementEditing.HasDirectives(usingStatement))
        {
            return null;
        }

        SyntaxList<StatementSyntax> statements = target.Block.Statements;
        int index = statements.IndexOf(statement);
        StatementSyntax[] before = statements.Take(index).ToArray();
        StatementSyntax[] after = statements.Skip(index + 1).ToArray();

        // What A declares stays in A's scope; what B declares in B's; the statement moves out of both.
        HashSet<ISymbol> declaredBefore = FixSemantics.DeclaredIn(before, model, ct);
        HashSet<ISymbol> declaredAfter = FixSemantics.DeclaredIn(after, model, ct);
        HashSet<ISymbol> declaredHere = FixSemantics.DeclaredIn(new[] { statement }, model, ct);
        if (FixSemantics.Refers(after.Append(statement), declaredBefore, model, ct)
            || FixSemantics.Refers(before.Append(statement), declaredAfter, model, ct)
            || (handle is not null && FixSemantics.Refers(new[] { statement }, new[] { (ISymbol)handle }, model, ct)))
        {
            return null;
        }

        // The statement's own locals move to the enclosing block: their names must be free there.
        SyntaxNode member = (SyntaxNode?)usingStatement.FirstAncestorOrSelf<MemberDeclarationSyntax>() ?? usingStatement;
        foreach (ISymbol local in declaredHere)
        {
            int declarations = member.DescendantNodes().Count(node =>
                node is VariableDeclaratorSyntax { Identifier.ValueText: var declared } && declared == local.Name
                || node is SingleVariableDesignationSyntax { Identifier.ValueText: var designated } && designated == local.Name);
            if (declarations > 1
                || model.LookupSymbols(usingStatement.SpanStart, name: local.Name).Any(s => s is IFieldSymbol or IPropertySymbol))
            {
                return null;
            }
        }

        // The formatter indents what moves; only line breaks and blank lines are chosen here.
        SyntaxTrivia endOfLine = StatementEditing.EndOfLine(root);
        var replacement = new List<StatementSyntax>();

        if (before.Length > 0)
        {
            replacement.Add(usingStatement.WithStatement(target.Block.WithStatements(SyntaxFactory.List(before))));
        }

        SyntaxTriviaList movedLeading = StatementEditing.WithoutLeadingBlankLines(statement.GetLeadingTrivia());
        movedLeading = before.Length > 0
            ? SyntaxFactory.TriviaList(endOfLine).AddRange(movedLeading)
            : StatementEditing.WithoutTrailingIndentation(usingStatement.GetLeadingTrivia()).AddRange(movedLeading);
        replacement.Add(statement.WithLeadingTrivia(movedLeading).WithAdditionalAnnotations(Formatter.Annotation));

        if (after.Length > 0)
        {
            UsingStatementSyntax second = usingStatement;
            IEnumerable<StatementSyntax> body = after;
            if (before.Length > 0 && handle is not null && usingStatement.Declaration is { } declaration)
            {
                string name = StatementEditing.FreshName(handle.Name, usingStatement, model, usingStatement.SpanStart);
                body = after.Select(s => FixSemantics.Rename(s, handle, name, model, ct));
                VariableDeclaratorSyntax declarator = declaration.Variables[0];
                second = second.WithDeclaration(declaration.ReplaceNode(declarator,
                    declarator.WithIdentifier(SyntaxFactory.Identifier(declarator.Identifier.LeadingTrivia, name,
                        declarator.Identifier.TrailingTrivia)).WithAdditionalAnnotations(Formatter.Annotation)));
            }

            StatementSyntax[] bodyStatements = body.ToArray();
            bodyStatements[0] = bodyStatements[0].WithLeadingTrivia(
                StatementEditing.WithoutLeadingBlankLines(bodyStatements[0].GetLeadingTrivia()));
            second = second.WithStatement(target.Block.WithStatements(SyntaxFactory.List(bodyStatements)));
            second = second.ReplaceToken(second.GetFirstToken(), StatementEditing.Reformatted(second.GetFirstToken()));
            replacement.Add(second);
        }

        return current => current.ReplaceNode(usingStatement, replacement);
    }

    // ---- using var h = …; A; S; B; → using (var h = …) { A; } S; using var h2 = …; B; --------

    private static Func<SyntaxNode, SyntaxNode>? PlanSplitDeclaration(ReleaseTarget target, LocalDeclarationStatementSyntax declaration,
        ILocalSymbol handle, SyntaxNode root, SemanticModel model, CancellationToken ct)
    {
        StatementSyntax statement = target.Statement;
        if (declaration.Parent != target.Block || StatementEditing.HasDirectives(declaration))
        {
            return null;
        }

        SyntaxList<StatementSyntax> statements = target.Block.Statements;
        int first = statements.IndexOf(declaration);
        int index = statements.IndexOf(statement);
        if (first < 0 || index <= first)
        {
            return null;
        }

        StatementSyntax[] before = statements.Skip(first + 1).Take(index - first - 1).ToArray();
        StatementSyntax[] after = statements.Skip(index + 1).ToArray();
        HashSet<ISymbol> declaredBefore = FixSemantics.DeclaredIn(before, model, ct);
        if (FixSemantics.Refers(after.Append(statement), declaredBefore, model, ct)
            || FixSemantics.Refers(new[] { statement }, new[] { (ISymbol)handle }, model, ct)
            || before.Any(StatementEditing.HasDirectives))
        {
            return null;
        }

        // The formatter indents what moves; only line breaks and blank lines are chosen here.
        SyntaxTrivia endOfLine = StatementEditing.EndOfLine(root);
        var replacement = new List<StatementSyntax>();
        SyntaxTriviaList statementLeading = statement.GetLeadingTrivia();

        if (before.Length > 0)
        {
            // The formatter indents the moved statements and lays out the new scope.
            StatementSyntax[] inner = before.ToArray();
            inner[0] = inner[0].WithLeadingTrivia(StatementEditing.WithoutLeadingBlankLines(inner[0].GetLeadingTrivia()));
            UsingStatementSyntax scope = SyntaxFactory.UsingStatement(declaration.Declaration.WithoutTrivia(), expression: null,
                    SyntaxFactory.Block(inner).WithCloseBraceToken(
                        SyntaxFactory.Token(SyntaxKind.CloseBraceToken).WithTrailingTrivia(endOfLine)))
                .WithAwaitKeyword(declaration.AwaitKeyword)
                .WithLeadingTrivia(declaration.GetLeadingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation);
            replacement.Add(scope);
            statementLeading = SyntaxFactory.TriviaList(endOfLine)
                .AddRange(StatementEditing.WithoutLeadingBlankLines(statementLeading));
        }
        else
        {
            statementLeading = StatementEditing.WithoutTrailingIndentation(declaration.GetLeadingTrivia())
                .AddRange(StatementEditing.WithoutLeadingBlankLines(statementLeading));
        }

        replacement.Add(statement.WithLeadingTrivia(statementLeading).WithAdditionalAnnotations(Formatter.Annotation));

        IEnumerable<StatementSyntax> rest = after;
        if (after.Length > 0)
        {
            LocalDeclarationStatementSyntax retake = declaration;
            if (before.Length > 0)
            {
                string name = StatementEditing.FreshName(handle.Name, declaration, model, declaration.SpanStart);
                rest = after.Select(s => FixSemantics.Rename(s, handle, name, model, ct)).ToArray();
                VariableDeclaratorSyntax declarator = declaration.Declaration.Variables[0];
                retake = retake.ReplaceNode(declarator, declarator.WithIdentifier(
                    SyntaxFactory.Identifier(declarator.Identifier.LeadingTrivia, name, declarator.Identifier.TrailingTrivia)));
            }

            retake = retake.WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithAdditionalAnnotations(Formatter.Annotation);
            replacement.Add(retake);
        }

        return current =>
        {
            BlockSyntax block = target.Block;
            var list = new List<StatementSyntax>(block.Statements.Take(first));
            list.AddRange(replacement);
            list.AddRange(rest);
            return current.ReplaceNode(block, block.WithStatements(SyntaxFactory.List(list)));
        };
    }
}
