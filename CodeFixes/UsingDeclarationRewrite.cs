using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace Toolstack.CodeFixes;

/// <summary>
/// TSL1005/TSL1009, the first rewrite: the handle goes in a <c>using</c> declaration and its
/// explicit releases go, when disposing at the end of the block releases the lock where they did.
/// A discarded handle (<c>x.Lock();</c>) is kept in a fresh <c>using</c> local.
/// </summary>
internal static class UsingDeclarationRewrite
{
    /// <summary>The using declaration in place of <paramref name="statement"/>, when every release ends the block.</summary>
    public static FixAction? PlanDeclared(FixContext context, LocalDeclarationStatementSyntax statement, BlockSyntax block,
        IReadOnlyCollection<StatementSyntax> releases, bool awaitUsing, string equivalenceKey)
    {
        if (!releases.All(r => IsTerminal(r, block, context)))
        {
            return null;
        }

        return new FixAction(
            awaitUsing ? "Release the lock with 'await using'" : "Release the lock with 'using'",
            equivalenceKey,
            root => StatementEditing.ReplaceAndRemove(root,
                new Dictionary<SyntaxNode, SyntaxNode> { [statement] = ToUsing(statement, awaitUsing) },
                releases));
    }

    /// <summary><c>x.Lock();</c> (the handle discarded) → <c>using var handle = x.Lock();</c>.</summary>
    public static FixAction? PlanDiscarded(FixContext context, DisposableAcquisition acquisition, ExpressionStatementSyntax statement,
        string equivalenceKey)
    {
        SemanticModel model = context.Model;
        CancellationToken ct = context.CancellationToken;
        if (statement.Parent is not BlockSyntax block
            || statement.GetLeadingTrivia().Any(t => t.IsDirective))
        {
            return null;
        }

        // Something later in the block releases this lock another way: its extent is not the block's.
        var lockTypes = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default) { acquisition.Method.ContainingType };
        lockTypes.UnionWith(FixSemantics.LockTypesOf(FixSemantics.ContractOf(acquisition.Method, context.LockModel).Acquires));
        foreach (InvocationExpressionSyntax later in block.Statements.Skip(block.Statements.IndexOf(statement) + 1)
                     .SelectMany(s => s.DescendantNodesAndSelf()).OfType<InvocationExpressionSyntax>())
        {
            if (model.GetSymbolInfo(later, ct).Symbol is IMethodSymbol method
                && FixSemantics.ContractOf(method, context.LockModel) is { Releases.IsEmpty: false } contract
                && (lockTypes.Contains(method.ContainingType) || FixSemantics.LockTypesOf(contract.Releases).Any(lockTypes.Contains)))
            {
                return null;
            }
        }

        string name = StatementEditing.FreshName("handle", statement, model, statement.SpanStart);
        SyntaxNode declaration = context.Generator.LocalDeclarationStatement(
            context.Generator.TypeExpression(acquisition.HandleType), name, statement.Expression.WithoutTrivia());
        LocalDeclarationStatementSyntax result = ToUsing((LocalDeclarationStatementSyntax)declaration, acquisition.AwaitUsing)
            .WithLeadingTrivia(statement.GetLeadingTrivia())
            .WithTrailingTrivia(statement.GetTrailingTrivia())
            .WithAdditionalAnnotations(Simplifier.Annotation);

        return new FixAction(
            acquisition.AwaitUsing ? "Keep the handle and release it with 'await using'" : "Keep the handle and release it with 'using'",
            equivalenceKey,
            root => root.ReplaceNode(statement, result));
    }

    private static LocalDeclarationStatementSyntax ToUsing(LocalDeclarationStatementSyntax statement, bool awaitUsing)
    {
        LocalDeclarationStatementSyntax result = statement.WithoutLeadingTrivia()
            .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword));
        if (awaitUsing)
        {
            result = result.WithAwaitKeyword(SyntaxFactory.Token(SyntaxKind.AwaitKeyword));
        }

        return result.WithLeadingTrivia(statement.GetLeadingTrivia()).WithAdditionalAnnotations(Formatter.Annotation);
    }

    /// <summary>
    /// Whether nothing but a trivial exit runs in <paramref name="declaring"/> after
    /// <paramref name="release"/>: then disposing at the end of the block releases the lock where the
    /// release did. Follows the release out of blocks, if/else and switch sections, through trailing
    /// <c>return</c> (of a constant, local or parameter), <c>break</c> and <c>continue</c>.
    /// </summary>
    private static bool IsTerminal(StatementSyntax release, BlockSyntax declaring, FixContext context)
    {
        SyntaxNode current = release;
        while (true)
        {
            SyntaxNode? parent = current.Parent;
            SyntaxList<StatementSyntax> list;
            switch (parent)
            {
                case BlockSyntax block:
                    list = block.Statements;
                    break;
                case SwitchSectionSyntax section:
                    list = section.Statements;
                    break;
                case IfStatementSyntax ifStatement when current != ifStatement.Condition:
                    current = ifStatement;
                    continue;
                case ElseClauseSyntax { Parent: IfStatementSyntax ifStatement }:
                    current = ifStatement;
                    continue;
                default:
                    return false;
            }

            StatementSyntax? jump = null;
            for (int i = list.IndexOf((StatementSyntax)current) + 1; i < list.Count && jump is null; i++)
            {
                StatementSyntax next = list[i];
                if (!IsTrivial(next, context))
                {
                    return false;
                }

                if (next is ReturnStatementSyntax or BreakStatementSyntax or ContinueStatementSyntax)
                {
                    jump = next;
                }
            }

            switch (jump)
            {
                case ReturnStatementSyntax:
                    return true;
                case BreakStatementSyntax:
                case ContinueStatementSyntax:
                    SyntaxNode? target = jump.Ancestors().FirstOrDefault(a =>
                        a is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax
                        || (a is SwitchStatementSyntax && jump is BreakStatementSyntax));
                    if (target is null)
                    {
                        return false;
                    }

                    if (target.Span.Contains(declaring.Span))
                    {
                        return true;   // leaves the declaring block
                    }

                    if (jump is ContinueStatementSyntax)
                    {
                        return false;  // goes round a loop inside the block, with the lock held
                    }

                    current = target;
                    continue;
            }

            if (parent == declaring)
            {
                return true;
            }

            if (parent is SwitchSectionSyntax)
            {
                return false;
            }

            current = parent;
        }
    }

    private static bool IsTrivial(StatementSyntax statement, FixContext context) => statement switch
    {
        EmptyStatementSyntax or BreakStatementSyntax or ContinueStatementSyntax => true,
        ReturnStatementSyntax { Expression: null } => true,
        ReturnStatementSyntax { Expression: { } value } => IsTrivial(value, context.Model, context.CancellationToken),
        ExpressionStatementSyntax { Expression: var expression } => IsHandleRelease(expression, context),
        _ => false,
    };

    /// <summary>
    /// The release of another lock handle held in a local (<c>y.Unlock(other)</c>, <c>other.Dispose()</c>,
    /// <c>await other.DisposeAsync()</c>): nothing runs between it and the end of the block that the
    /// lock being fixed must not cover, so the two releases may change places.
    /// </summary>
    private static bool IsHandleRelease(ExpressionSyntax expression, FixContext context)
    {
        if (expression is AwaitExpressionSyntax awaited)
        {
            expression = awaited.Expression;
        }

        if (expression is not InvocationExpressionSyntax call
            || AcquisitionSyntax.ExplicitReceiver(call) is not { } receiver
            || !AcquisitionSyntax.IsSimplePath(receiver)
            || context.Model.GetSymbolInfo(call, context.CancellationToken).Symbol is not IMethodSymbol method
            || !FixSemantics.IsRelease(method, context.LockModel))
        {
            return false;
        }

        // The handle released: the receiver of a handle's own release, or the argument of a lock's.
        ExpressionSyntax? handle = call.ArgumentList.Arguments.Count switch
        {
            0 => receiver,
            1 when call.ArgumentList.Arguments[0].RefKindKeyword.RawKind == 0 => call.ArgumentList.Arguments[0].Expression,
            _ => null,
        };
        return handle is IdentifierNameSyntax
            && context.Model.GetSymbolInfo(handle, context.CancellationToken).Symbol is ILocalSymbol { IsRef: false };
    }

    private static bool IsTrivial(ExpressionSyntax expression, SemanticModel model, CancellationToken ct) => expression switch
    {
        LiteralExpressionSyntax or DefaultExpressionSyntax or ThisExpressionSyntax => true,
        ParenthesizedExpressionSyntax parenthesized => IsTrivial(parenthesized.Expression, model, ct),
        PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryMinusExpression, Operand: LiteralExpressionSyntax } => true,
        IdentifierNameSyntax name => model.GetSymbolInfo(name, ct).Symbol switch
        {
            ILocalSymbol { IsRef: false } => true,
            IParameterSymbol { RefKind: RefKind.None } => true,
            IFieldSymbol { IsConst: true } => true,
            _ => false,
        },
        _ => false,
    };
}
