using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Toolstack.Analyzers.Flow;
using Toolstack.Analyzers.Model;

namespace Toolstack.CodeFixes;

/// <summary>
/// The rewrite TSL1002 and TSL1004 share: give a held lock up around one statement and take it
/// back after, as libvirt's "drop driver lock around sleep" did. A handle in an assignable
/// local is released and re-taken explicitly; a <c>using</c> scope is split in two around the
/// statement. Plans are computed against the original document; a null plan means no fix.
/// </summary>
internal static class ReleaseAroundStatement
{
    /// <summary>The statement around the reported call, and the held lock's acquisition, when both have a shape the fixes handle.</summary>
    internal sealed class Target
    {
        public Target(StatementSyntax statement, BlockSyntax block, InvocationExpressionSyntax acquisition,
            ExpressionSyntax lockExpression, SyntaxNode call)
        {
            Statement = statement;
            Block = block;
            Acquisition = acquisition;
            LockExpression = lockExpression;
            Call = call;
        }

        /// <summary>The statement that makes the reported call: an expression statement or a plain local declaration.</summary>
        public StatementSyntax Statement { get; }

        /// <summary>The block the statement is a direct statement of.</summary>
        public BlockSyntax Block { get; }

        /// <summary>The held lock's acquiring call, <c>x.Lock()</c>.</summary>
        public InvocationExpressionSyntax Acquisition { get; }

        /// <summary>The lock, <c>x</c>.</summary>
        public ExpressionSyntax LockExpression { get; }

        /// <summary>The reported call.</summary>
        public SyntaxNode Call { get; }
    }

    /// <summary>Finds the statement and the lock, checking what every form of the fix needs; null when nothing can be offered.</summary>
    public static Target? FindTarget(SyntaxNode root, SemanticModel model, LockModel lockModel, Diagnostic diagnostic,
        CancellationToken ct)
    {
        SyntaxNode? call = LockFixSupport.NodeAt(root, diagnostic.Location);
        InvocationExpressionSyntax? acquisition = LockFixSupport.HeldAcquisition(root, diagnostic);
        if (call is null || acquisition is null
            || LockFixSupport.EnclosingStatement(call) is not { Parent: BlockSyntax block } statement
            || !IsMovable(statement)
            || statement.SpanStart <= acquisition.Span.End
            || acquisition.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Lock" } access
            || acquisition.ArgumentList.Arguments.Count != 0
            || !LockFixSupport.IsStable(access.Expression)
            || LockFixSupport.HasDirectives(statement))
        {
            return null;
        }

        // The lock must be one that can be given up and taken back: Lock() and Unlock(handle).
        if (model.GetSymbolInfo(acquisition, ct).Symbol is not IMethodSymbol { IsStatic: false } lockMethod
            || !lockMethod.ContainingType.GetMembers("Unlock").OfType<IMethodSymbol>().Any(unlock =>
                unlock.Parameters.Length == 1
                && SymbolEqualityComparer.Default.Equals(unlock.Parameters[0].Type, lockMethod.ReturnType))
            || LockFixSupport.AcquiredLevel(acquisition, model, lockModel, ct) is not { } level)
        {
            return null;
        }

        // Nothing in the statement may take or give up locks itself: the order around it would change.
        if (LockFixSupport.TakesOrReleasesLocks(statement, model, lockModel, ct))
        {
            return null;
        }

        // Taking the lock back after the statement must be in order: every other lock held there is outer to it.
        if (LockFixSupport.HeldAt(call, model, lockModel, ct) is not { } held)
        {
            return null;
        }

        bool found = false;
        foreach (HeldLock other in held)
        {
            if (other.Acquisition.Location.SourceSpan == acquisition.Span && other.Acquisition.Location.SourceTree == root.SyntaxTree)
            {
                found = true;
            }
            else if (other.Acquisition.Kind is not { } kind || kind.Level >= level)
            {
                return null;
            }
        }

        return found ? new Target(statement, block, acquisition, access.Expression, call) : null;
    }

    /// <summary>The rewrite releasing and re-taking the lock around the statement, or null when it cannot be expressed safely.</summary>
    public static Func<SyntaxNode, SyntaxNode>? PlanRelease(Target target, SyntaxNode root, SemanticModel model, CancellationToken ct)
    {
        if (LockFixSupport.SiteOf(target.Acquisition, model, ct) is not { } site)
        {
            return null;
        }

        switch (site.Kind)
        {
            case AcquisitionSiteKind.LocalDeclaration:
            case AcquisitionSiteKind.Assignment:
                return PlanExplicit(target, site.Local!, root, model, ct);
            case AcquisitionSiteKind.UsingStatement:
                return PlanSplitStatement(target, (UsingStatementSyntax)site.Statement, site.Local, root, model, ct);
            case AcquisitionSiteKind.UsingDeclaration:
                return PlanSplitDeclaration(target, (LocalDeclarationStatementSyntax)site.Statement, site.Local!, root, model, ct);
            default:
                return null;
        }
    }

    /// <summary>Wraps the statement in two statements: <paramref name="before"/> and <paramref name="after"/>.</summary>
    public static Func<SyntaxNode, SyntaxNode> PlanWrap(Target target, SyntaxNode root, string before, string after)
    {
        StatementSyntax statement = target.Statement;
        SyntaxTrivia endOfLine = LockFixSupport.EndOfLine(root);
        string indentation = LockFixSupport.IndentationOf(statement);
        SyntaxTriviaList indent = indentation.Length == 0
            ? SyntaxFactory.TriviaList()
            : SyntaxFactory.TriviaList(SyntaxFactory.Whitespace(indentation));

        StatementSyntax first = SyntaxFactory.ParseStatement(before)
            .WithLeadingTrivia(statement.GetLeadingTrivia())
            .WithTrailingTrivia(endOfLine)
            .WithAdditionalAnnotations(Formatter.Annotation);
        StatementSyntax middle = statement.WithLeadingTrivia(indent);
        StatementSyntax last = SyntaxFactory.ParseStatement(after)
            .WithLeadingTrivia(indent)
            .WithTrailingTrivia(endOfLine)
            .WithAdditionalAnnotations(Formatter.Annotation);
        if (!statement.GetTrailingTrivia().Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia)))
        {
            middle = middle.WithTrailingTrivia(middle.GetTrailingTrivia().Add(endOfLine));
        }

        return current => current.ReplaceNode(statement, new[] { first, middle, last });
    }

    private static bool IsMovable(StatementSyntax statement) => statement switch
    {
        ExpressionStatementSyntax => true,
        LocalDeclarationStatementSyntax declaration => !declaration.IsConst
            && !declaration.UsingKeyword.IsKind(SyntaxKind.UsingKeyword),
        _ => false,
    };

    // ---- an assignable handle: Unlock before, Lock after -----------------------------------

    private static Func<SyntaxNode, SyntaxNode>? PlanExplicit(Target target, ILocalSymbol handle, SyntaxNode root,
        SemanticModel model, CancellationToken ct)
    {
        // The statement must see the handle's local, and not use the handle it gives up.
        if (!model.LookupSymbols(target.Statement.SpanStart, name: handle.Name)
                .Any(symbol => SymbolEqualityComparer.Default.Equals(symbol, handle))
            || LockFixSupport.Refers(new[] { target.Statement }, new[] { (ISymbol)handle }, model, ct))
        {
            return null;
        }

        string lockText = target.LockExpression.WithoutTrivia().ToString();
        return PlanWrap(target, root, $"{lockText}.Unlock({handle.Name});", $"{handle.Name} = {lockText}.Lock();");
    }

    // ---- using (…) { A; S; B; } → using (…) { A; } S; using (…) { B; } ------------------------

    private static Func<SyntaxNode, SyntaxNode>? PlanSplitStatement(Target target, UsingStatementSyntax usingStatement,
        ILocalSymbol? handle, SyntaxNode root, SemanticModel model, CancellationToken ct)
    {
        StatementSyntax statement = target.Statement;
        if (usingStatement.Statement != target.Block || usingStatement.Parent is not BlockSyntax
            || LockFixSupport.HasDirectives(usingStatement))
        {
            return null;
        }

        SyntaxList<StatementSyntax> statements = target.Block.Statements;
        int index = statements.IndexOf(statement);
        StatementSyntax[] before = statements.Take(index).ToArray();
        StatementSyntax[] after = statements.Skip(index + 1).ToArray();

        // What A declares stays in A's scope; what B declares in B's; the statement moves out of both.
        HashSet<ISymbol> declaredBefore = LockFixSupport.DeclaredIn(before, model, ct);
        HashSet<ISymbol> declaredAfter = LockFixSupport.DeclaredIn(after, model, ct);
        HashSet<ISymbol> declaredHere = LockFixSupport.DeclaredIn(new[] { statement }, model, ct);
        if (LockFixSupport.Refers(after.Append(statement), declaredBefore, model, ct)
            || LockFixSupport.Refers(before.Append(statement), declaredAfter, model, ct)
            || (handle is not null && LockFixSupport.Refers(new[] { statement }, new[] { (ISymbol)handle }, model, ct)))
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

        SyntaxTrivia endOfLine = LockFixSupport.EndOfLine(root);
        string indentation = LockFixSupport.IndentationOf(usingStatement);
        var replacement = new List<StatementSyntax>();

        if (before.Length > 0)
        {
            replacement.Add(usingStatement.WithStatement(target.Block.WithStatements(SyntaxFactory.List(before))));
        }

        SyntaxTriviaList movedLeading = LockFixSupport.Reindent(
            LockFixSupport.WithoutLeadingBlankLines(statement.GetLeadingTrivia()), indentation);
        movedLeading = before.Length > 0
            ? SyntaxFactory.TriviaList(endOfLine).AddRange(movedLeading)
            : LockFixSupport.WithoutTrailingIndentation(usingStatement.GetLeadingTrivia()).AddRange(movedLeading);
        replacement.Add(statement.WithLeadingTrivia(movedLeading).WithAdditionalAnnotations(Formatter.Annotation));

        if (after.Length > 0)
        {
            UsingStatementSyntax second = usingStatement;
            IEnumerable<StatementSyntax> body = after;
            if (before.Length > 0 && handle is not null && usingStatement.Declaration is { } declaration)
            {
                string name = LockFixSupport.FreshName(handle.Name, usingStatement, model, usingStatement.SpanStart);
                body = after.Select(s => LockFixSupport.Rename(s, handle, name, model, ct));
                VariableDeclaratorSyntax declarator = declaration.Variables[0];
                second = second.WithDeclaration(declaration.ReplaceNode(declarator,
                    declarator.WithIdentifier(SyntaxFactory.Identifier(declarator.Identifier.LeadingTrivia, name,
                        declarator.Identifier.TrailingTrivia)).WithAdditionalAnnotations(Formatter.Annotation)));
            }

            StatementSyntax[] bodyStatements = body.ToArray();
            bodyStatements[0] = bodyStatements[0].WithLeadingTrivia(
                LockFixSupport.WithoutLeadingBlankLines(bodyStatements[0].GetLeadingTrivia()));
            second = second.WithStatement(target.Block.WithStatements(SyntaxFactory.List(bodyStatements)))
                .WithLeadingTrivia(SyntaxFactory.Whitespace(indentation));
            replacement.Add(second);
        }

        return current => current.ReplaceNode(usingStatement, replacement);
    }

    // ---- using var h = …; A; S; B; → using (var h = …) { A; } S; using var h2 = …; B; --------

    private static Func<SyntaxNode, SyntaxNode>? PlanSplitDeclaration(Target target, LocalDeclarationStatementSyntax declaration,
        ILocalSymbol handle, SyntaxNode root, SemanticModel model, CancellationToken ct)
    {
        StatementSyntax statement = target.Statement;
        if (declaration.Parent != target.Block || LockFixSupport.HasDirectives(declaration))
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
        HashSet<ISymbol> declaredBefore = LockFixSupport.DeclaredIn(before, model, ct);
        if (LockFixSupport.Refers(after.Append(statement), declaredBefore, model, ct)
            || LockFixSupport.Refers(new[] { statement }, new[] { (ISymbol)handle }, model, ct)
            || before.Any(LockFixSupport.HasDirectives))
        {
            return null;
        }

        SyntaxTrivia endOfLine = LockFixSupport.EndOfLine(root);
        string indentation = LockFixSupport.IndentationOf(declaration);
        var replacement = new List<StatementSyntax>();
        SyntaxTriviaList statementLeading = statement.GetLeadingTrivia();

        if (before.Length > 0)
        {
            string unit = LockFixSupport.IndentationUnit(declaration);
            SyntaxTriviaList indent = SyntaxFactory.TriviaList(SyntaxFactory.Whitespace(indentation));
            StatementSyntax[] inner = before.Select(s => LockFixSupport.Indent(s, unit)).ToArray();
            inner[0] = inner[0].WithLeadingTrivia(LockFixSupport.WithoutLeadingBlankLines(inner[0].GetLeadingTrivia()));
            SyntaxToken lastToken = before[before.Length - 1].GetLastToken();
            if (!lastToken.TrailingTrivia.Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia)))
            {
                inner[inner.Length - 1] = inner[inner.Length - 1].WithTrailingTrivia(
                    inner[inner.Length - 1].GetTrailingTrivia().Add(endOfLine));
            }

            UsingStatementSyntax scope = SyntaxFactory.UsingStatement(
                declaration.AwaitKeyword.WithTrailingTrivia(declaration.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword)
                    ? SyntaxFactory.TriviaList(SyntaxFactory.Space)
                    : SyntaxFactory.TriviaList()),
                SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space),
                SyntaxFactory.Token(SyntaxKind.OpenParenToken),
                declaration.Declaration.WithoutTrivia(),
                expression: null,
                SyntaxFactory.Token(SyntaxKind.CloseParenToken).WithTrailingTrivia(endOfLine),
                SyntaxFactory.Block(
                    SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithLeadingTrivia(indent).WithTrailingTrivia(endOfLine),
                    SyntaxFactory.List(inner),
                    SyntaxFactory.Token(SyntaxKind.CloseBraceToken).WithLeadingTrivia(indent).WithTrailingTrivia(endOfLine)))
                .WithLeadingTrivia(declaration.GetLeadingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation);
            replacement.Add(scope);
            statementLeading = SyntaxFactory.TriviaList(endOfLine)
                .AddRange(LockFixSupport.WithoutLeadingBlankLines(statementLeading));
        }
        else
        {
            statementLeading = LockFixSupport.WithoutTrailingIndentation(declaration.GetLeadingTrivia())
                .AddRange(LockFixSupport.Reindent(LockFixSupport.WithoutLeadingBlankLines(statementLeading), indentation));
        }

        replacement.Add(statement.WithLeadingTrivia(statementLeading));

        IEnumerable<StatementSyntax> rest = after;
        if (after.Length > 0)
        {
            LocalDeclarationStatementSyntax retake = declaration;
            if (before.Length > 0)
            {
                string name = LockFixSupport.FreshName(handle.Name, declaration, model, declaration.SpanStart);
                rest = after.Select(s => LockFixSupport.Rename(s, handle, name, model, ct)).ToArray();
                VariableDeclaratorSyntax declarator = declaration.Declaration.Variables[0];
                retake = retake.ReplaceNode(declarator, declarator.WithIdentifier(
                    SyntaxFactory.Identifier(declarator.Identifier.LeadingTrivia, name, declarator.Identifier.TrailingTrivia)));
            }

            retake = retake.WithLeadingTrivia(SyntaxFactory.Whitespace(indentation))
                .WithAdditionalAnnotations(Formatter.Annotation);
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
