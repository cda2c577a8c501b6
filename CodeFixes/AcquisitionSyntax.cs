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

    /// <summary>The acquisition of the held lock: the diagnostic's additional location, an invocation in this document.</summary>
    public static InvocationExpressionSyntax? HeldAcquisition(SyntaxNode root, Diagnostic diagnostic) =>
        diagnostic.AdditionalLocations.Count == 0 ? null : NodeAt(root, diagnostic.AdditionalLocations[0]) as InvocationExpressionSyntax;

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

    /// <summary>Strips parentheses, <c>await</c> and <c>.ConfigureAwait(…)</c> upwards: the expression whose value is the call's.</summary>
    public static ExpressionSyntax ValueOf(ExpressionSyntax call)
    {
        ExpressionSyntax value = call;
        while (true)
        {
            switch (value.Parent)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                    value = parenthesized;
                    continue;
                case AwaitExpressionSyntax awaited:
                    value = awaited;
                    continue;
                case MemberAccessExpressionSyntax { Name.Identifier.ValueText: nameof(System.Threading.Tasks.Task.ConfigureAwait) } member
                    when member.Expression == value && member.Parent is InvocationExpressionSyntax configured:
                    value = configured;
                    continue;
                default:
                    return value;
            }
        }
    }

    /// <summary>Whether the value of <paramref name="call"/> is awaited where it is used.</summary>
    public static bool IsAwaited(ExpressionSyntax call)
    {
        ExpressionSyntax value = ValueOf(call);
        for (SyntaxNode? node = call; node is not null; node = node.Parent)
        {
            if (node is AwaitExpressionSyntax)
            {
                return true;
            }

            if (node == value)
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>The statement a call (its await and <c>ConfigureAwait</c> included) makes up on its own, if any.</summary>
    public static ExpressionStatementSyntax? StatementOf(ExpressionSyntax call) => ValueOf(call).Parent as ExpressionStatementSyntax;

    /// <summary>Where the result of the acquiring call <paramref name="acquisition"/> goes; null for any other shape.</summary>
    public static AcquisitionSite? SiteOf(InvocationExpressionSyntax acquisition, SemanticModel model, CancellationToken ct)
    {
        ExpressionSyntax value = ValueOf(acquisition);
        switch (value.Parent)
        {
            case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }
                when declarator.Parent is VariableDeclarationSyntax { Variables.Count: 1 } declaration:
                if (model.GetDeclaredSymbol(declarator, ct) is not ILocalSymbol local)
                {
                    return null;
                }

                switch (declaration.Parent)
                {
                    case LocalDeclarationStatementSyntax statement when !statement.IsConst:
                        return new AcquisitionSite(
                            statement.UsingKeyword.IsKind(SyntaxKind.UsingKeyword)
                                ? AcquisitionSiteKind.UsingDeclaration
                                : AcquisitionSiteKind.LocalDeclaration,
                            statement, local);
                    case UsingStatementSyntax usingStatement:
                        return new AcquisitionSite(AcquisitionSiteKind.UsingStatement, usingStatement, local);
                    default:
                        return null;
                }

            case AssignmentExpressionSyntax { Parent: ExpressionStatementSyntax statement } assignment
                when assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) && assignment.Right == value:
                return model.GetSymbolInfo(assignment.Left, ct).Symbol is ILocalSymbol { IsRef: false, IsConst: false } assigned
                    ? new AcquisitionSite(AcquisitionSiteKind.Assignment, statement, assigned)
                    : null;

            case UsingStatementSyntax usingStatement when usingStatement.Expression == value:
                return new AcquisitionSite(AcquisitionSiteKind.UsingStatement, usingStatement, Local: null);

            case ExpressionStatementSyntax statement:
                return new AcquisitionSite(AcquisitionSiteKind.ExpressionStatement, statement, Local: null);

            default:
                return null;
        }
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
