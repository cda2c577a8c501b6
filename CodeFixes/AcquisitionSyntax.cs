using Toolstack.Analyzers.Rules;

namespace Toolstack.CodeFixes;

/// <summary>How an acquiring call's result is kept.</summary>
public enum AcquisitionSiteKind
{
    /// <summary><c>LockHandle h = x.Lock();</c></summary>
    LocalDeclaration,

    /// <summary><c>using LockHandle h = x.Lock();</c></summary>
    UsingDeclaration,

    /// <summary><c>h = x.Lock();</c> for a local <c>h</c>.</summary>
    Assignment,

    /// <summary><c>using (LockHandle h = x.Lock()) …</c> or <c>using (x.Lock()) …</c></summary>
    UsingStatement,

    /// <summary><c>x.Lock();</c> as a statement of its own.</summary>
    ExpressionStatement,
}

/// <summary>The statement an acquiring call sits in, and the handle local it fills, if any.</summary>
public sealed record AcquisitionSite(AcquisitionSiteKind Kind, StatementSyntax Statement, ILocalSymbol? Local);

/// <summary>
/// Reading the syntax of acquisitions and releases: the call a diagnostic names, the value an
/// (awaited) call yields, the statement and handle local that keep it, and lock receivers.
/// </summary>
internal static class AcquisitionSyntax
{
    /// <summary>The node a diagnostic (or its additional location) names.</summary>
    public static SyntaxNode? NodeAt(SyntaxNode root, Location location)
    {
        if (!location.IsInSource || location.SourceTree != root.SyntaxTree || !root.FullSpan.Contains(location.SourceSpan))
        {
            return null;
        }

        return root.FindNode(location.SourceSpan, getInnermostNodeForTie: true);
    }

    /// <summary>The invocation spanning exactly <paramref name="location"/>.</summary>
    public static InvocationExpressionSyntax? InvocationAt(SyntaxNode root, Location location)
    {
        InvocationExpressionSyntax? invocation = NodeAt(root, location)?.FirstAncestorOrSelf<InvocationExpressionSyntax>();
        return invocation?.Span == location.SourceSpan ? invocation : null;
    }

    /// <summary>The statement containing <paramref name="node"/>; null when a lambda or local function lies between.</summary>
    public static StatementSyntax? EnclosingStatement(SyntaxNode node)
    {
        for (SyntaxNode? current = node; current is not null; current = current.Parent)
        {
            if (current is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
            {
                return null;
            }

            if (current is StatementSyntax statement)
            {
                return statement;
            }
        }

        return null;
    }

    /// <summary>The statement a call (its await and <c>ConfigureAwait</c> included) makes up on its own, if any.</summary>
    public static ExpressionStatementSyntax? StatementOf(ExpressionSyntax call) => CallValue.ValueOf(call).Parent as ExpressionStatementSyntax;

    /// <summary>
    /// The statement and handle local of an acquisition the analyzer says is kept as
    /// <paramref name="kind"/> in <paramref name="handle"/>; null when the syntax does not agree.
    /// </summary>
    public static AcquisitionSite? SiteAt(InvocationExpressionSyntax acquisition, AcquisitionSiteKind kind, string? handle,
        SemanticModel model, CancellationToken ct)
    {
        ExpressionSyntax value = CallValue.ValueOf(acquisition);
        StatementSyntax? statement = value.Parent switch
        {
            EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: StatementSyntax declared } } }
                => declared,
            AssignmentExpressionSyntax { Parent: ExpressionStatementSyntax assigned } => assigned,
            UsingStatementSyntax usingStatement when usingStatement.Expression == value => usingStatement,
            ExpressionStatementSyntax alone => alone,
            _ => null,
        };
        bool fits = (kind, statement) switch
        {
            (AcquisitionSiteKind.LocalDeclaration, LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0, IsConst: false }) => true,
            (AcquisitionSiteKind.UsingDeclaration, LocalDeclarationStatementSyntax { UsingKeyword.RawKind: (int)SyntaxKind.UsingKeyword }) => true,
            (AcquisitionSiteKind.Assignment, ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax assignment }) =>
                assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) && assignment.Right == value,
            (AcquisitionSiteKind.UsingStatement, UsingStatementSyntax) => true,
            (AcquisitionSiteKind.ExpressionStatement, ExpressionStatementSyntax alone) => alone.Expression == value,
            _ => false,
        };
        if (!fits)
        {
            return null;
        }

        // Binding the handle's name is the edit's question; which local holds the lock is the analyzer's answer.
        ILocalSymbol? local = statement switch
        {
            LocalDeclarationStatementSyntax declaration => model.GetDeclaredSymbol(declaration.Declaration.Variables[0], ct) as ILocalSymbol,
            UsingStatementSyntax { Declaration: { } declaration } => model.GetDeclaredSymbol(declaration.Variables[0], ct) as ILocalSymbol,
            ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax assignment } =>
                model.GetSymbolInfo(assignment.Left, ct).Symbol as ILocalSymbol,
            _ => null,
        };
        return local?.Name == handle && local is not { IsRef: true } and not { IsConst: true }
            ? new AcquisitionSite(kind, statement!, local)
            : null;
    }

    /// <summary>The explicit receiver of a call <c>x.M(...)</c>; null for a call on implicit <c>this</c> or a conditional access.</summary>
    public static ExpressionSyntax? ExplicitReceiver(InvocationExpressionSyntax invocation) =>
        invocation.Expression is MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.SimpleMemberAccessExpression } access
            ? access.Expression
            : null;

    /// <summary>A path of names with no side effects: <c>_lock</c>, <c>this._lock</c>, <c>domain.StateLock</c>.</summary>
    public static bool IsSimplePath(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax => true,
        ThisExpressionSyntax => true,
        MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.SimpleMemberAccessExpression } access =>
            access.Name is IdentifierNameSyntax && IsSimplePath(access.Expression),
        _ => false,
    };

    /// <summary>
    /// An expression that names the same object each time it is evaluated, as far as syntax can
    /// tell: a simple path, in parentheses or with <c>!</c> anywhere along it.
    /// </summary>
    public static bool IsStable(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax or ThisExpressionSyntax => true,
        ParenthesizedExpressionSyntax parenthesized => IsStable(parenthesized.Expression),
        PostfixUnaryExpressionSyntax suppressed when suppressed.IsKind(SyntaxKind.SuppressNullableWarningExpression) =>
            IsStable(suppressed.Operand),
        MemberAccessExpressionSyntax member when member.IsKind(SyntaxKind.SimpleMemberAccessExpression) =>
            member.Name is IdentifierNameSyntax && IsStable(member.Expression),
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
}
