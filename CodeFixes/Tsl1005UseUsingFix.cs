using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace Toolstack.CodeFixes;

/// <summary>
/// TSL1005 (leaked lock) and TSL1009 (released on the normal path only): let the handle release
/// itself. The acquisition becomes a <c>using</c> (<c>await using</c> for an awaited acquisition)
/// declaration and the explicit releases of that handle go; where the lock must be released before
/// later statements of its block run, the statements between acquisition and release are wrapped
/// in <c>try { … } finally { release }</c> instead.
/// </summary>
/// <remarks>
/// No fix when the handle is assigned again, returned, stored, passed to a method, captured, or
/// used in any way but released; when it is not declared in a block's statement list; when a
/// release is not a statement of its own; or when neither form keeps the lock's extent.
/// </remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(Tsl1005UseUsingFix))]
public sealed class Tsl1005UseUsingFix : CodeFixProvider
{
    public const string EquivalenceKey = "Toolstack.TSL1005.UseUsing";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("TSL1005", "TSL1009");

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        CancellationToken ct = context.CancellationToken;
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        SemanticModel? model = await context.Document.GetSemanticModelAsync(ct).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (Plan(root, model, diagnostic, ct) is { } plan)
            {
                Document document = context.Document;
                context.RegisterCodeFix(
                    CodeAction.Create(plan.Title, _ => Task.FromResult(document.WithSyntaxRoot(plan.Apply(root))), EquivalenceKey),
                    diagnostic);
            }
        }
    }

    private sealed class FixPlan
    {
        public FixPlan(string title, Func<SyntaxNode, SyntaxNode> apply)
        {
            Title = title;
            Apply = apply;
        }

        public string Title { get; }

        public Func<SyntaxNode, SyntaxNode> Apply { get; }
    }

    /// <summary>What the acquisition looks like: the call, the value the statement uses, whether awaited.</summary>
    private sealed class AcquisitionSyntax
    {
        public AcquisitionSyntax(InvocationExpressionSyntax call, ExpressionSyntax value, bool awaited, IMethodSymbol method,
            ITypeSymbol handleType)
        {
            Call = call;
            Value = value;
            Awaited = awaited;
            Method = method;
            HandleType = handleType;
        }

        public InvocationExpressionSyntax Call { get; }

        public ExpressionSyntax Value { get; }

        public bool Awaited { get; }

        public IMethodSymbol Method { get; }

        public ITypeSymbol HandleType { get; }

        public ExpressionSyntax? Receiver => FixSyntax.ExplicitReceiver(Call);
    }

    private static FixPlan? Plan(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken ct)
    {
        if (!diagnostic.Location.IsInSource
            || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)
                .FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } call
            || call.Span != diagnostic.Location.SourceSpan
            || Acquisition(call, model, ct) is not { } acquisition)
        {
            return null;
        }

        return acquisition.Value.Parent switch
        {
            EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } => PlanDeclared(acquisition, declarator, model, ct),
            ExpressionStatementSyntax statement => PlanDiscarded(acquisition, statement, model, ct),
            _ => null,
        };
    }

    private static AcquisitionSyntax? Acquisition(InvocationExpressionSyntax call, SemanticModel model, CancellationToken ct)
    {
        if (model.GetSymbolInfo(call, ct).Symbol is not IMethodSymbol method)
        {
            return null;
        }

        ExpressionSyntax value = call;
        if (value.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } configure
            && configure.Parent is InvocationExpressionSyntax configured && configured.Parent is AwaitExpressionSyntax)
        {
            value = configured;
        }

        bool awaited = false;
        if (value.Parent is AwaitExpressionSyntax awaitExpression)
        {
            value = awaitExpression;
            awaited = true;
        }

        return model.GetTypeInfo(value, ct).Type is { } type && Implements(type, "System.IDisposable")
            ? new AcquisitionSyntax(call, value, awaited, method, type)
            : null;
    }

    // ---- LockHandle h = x.Lock(); -----------------------------------------------------------

    private static FixPlan? PlanDeclared(AcquisitionSyntax acquisition, VariableDeclaratorSyntax declarator, SemanticModel model,
        CancellationToken ct)
    {
        if (declarator.Parent is not VariableDeclarationSyntax { Variables.Count: 1, Type: not RefTypeSyntax } declaration
            || declaration.Parent is not LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0, AwaitKeyword.RawKind: 0, Modifiers.Count: 0 } statement
            || statement.Parent is not BlockSyntax block
            || statement.GetLeadingTrivia().Any(t => t.IsDirective)
            || model.GetDeclaredSymbol(declarator, ct) is not ILocalSymbol local
            || local.IsRef
            || !Implements(local.Type, "System.IDisposable"))
        {
            return null;
        }

        bool awaitUsing = acquisition.Awaited && Implements(local.Type, "System.IAsyncDisposable");

        // Every use of the handle must be a release of it, standing alone as a statement.
        var releases = new List<StatementSyntax>();
        foreach (IdentifierNameSyntax name in block.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (name.Identifier.ValueText != local.Name
                || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, ct).Symbol, local))
            {
                continue;
            }

            if (name.Ancestors().TakeWhile(a => a != block)
                    .Any(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
                || ReleaseStatement(name, acquisition, model, ct) is not { } release
                || !FixSyntax.CanRemove(release))
            {
                return null;
            }

            releases.Add(release);
        }

        if (releases.All(r => IsTerminal(r, block, model, ct)))
        {
            return new FixPlan(
                awaitUsing ? "Release the lock with 'await using'" : "Release the lock with 'using'",
                root => FixSyntax.ReplaceAndRemove(root,
                    new Dictionary<SyntaxNode, SyntaxNode> { [statement] = ToUsing(statement, awaitUsing) },
                    releases));
        }

        if (releases.Count == 1 && releases[0].Parent == block
            && TryFinally(block, statement, releases[0], model, ct) is { } fixedBlock)
        {
            return new FixPlan(
                "Release the lock in a finally block",
                root => root.ReplaceNode(block, fixedBlock));
        }

        return null;
    }

    private static LocalDeclarationStatementSyntax ToUsing(LocalDeclarationStatementSyntax statement, bool awaitUsing)
    {
        LocalDeclarationStatementSyntax result = statement.WithoutLeadingTrivia()
            .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space));
        if (awaitUsing)
        {
            result = result.WithAwaitKeyword(SyntaxFactory.Token(SyntaxKind.AwaitKeyword).WithTrailingTrivia(SyntaxFactory.Space));
        }

        return result.WithLeadingTrivia(statement.GetLeadingTrivia()).WithAdditionalAnnotations(Formatter.Annotation);
    }

    /// <summary>
    /// The statement of a release of the handle <paramref name="name"/> refers to: <c>h.Dispose();</c>,
    /// <c>await h.DisposeAsync();</c>, or <c>x.Unlock(h);</c> through the acquisition's own receiver.
    /// </summary>
    private static ExpressionStatementSyntax? ReleaseStatement(IdentifierNameSyntax name, AcquisitionSyntax acquisition,
        SemanticModel model, CancellationToken ct)
    {
        if (name.Parent is MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.SimpleMemberAccessExpression } access
            && access.Expression == name
            && access.Parent is InvocationExpressionSyntax { ArgumentList.Arguments.Count: 0 } dispose
            && dispose.Expression == access
            && model.GetSymbolInfo(dispose, ct).Symbol is IMethodSymbol disposeMethod
            && FixSyntax.IsRelease(disposeMethod))
        {
            return StatementOf(dispose);
        }

        if (name.Parent is ArgumentSyntax { RefKindKeyword.RawKind: 0, NameColon: null }
            && name.Parent.Parent is ArgumentListSyntax { Arguments.Count: 1, Parent: InvocationExpressionSyntax unlock }
            && acquisition.Receiver is { } issuer
            && FixSyntax.ExplicitReceiver(unlock) is { } releaser
            && FixSyntax.SamePath(releaser, issuer, model)
            && model.GetSymbolInfo(unlock, ct).Symbol is IMethodSymbol unlockMethod
            && FixSyntax.IsRelease(unlockMethod)
            && SymbolEqualityComparer.Default.Equals(unlockMethod.ContainingType, acquisition.Method.ContainingType))
        {
            return StatementOf(unlock);
        }

        return null;
    }

    private static ExpressionStatementSyntax? StatementOf(InvocationExpressionSyntax call)
    {
        ExpressionSyntax node = call;
        if (node.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } configure
            && configure.Parent is InvocationExpressionSyntax configured)
        {
            node = configured;
        }

        if (node.Parent is AwaitExpressionSyntax awaited)
        {
            node = awaited;
        }

        return node.Parent as ExpressionStatementSyntax;
    }

    /// <summary>
    /// Whether nothing but a trivial exit runs in <paramref name="declaring"/> after
    /// <paramref name="release"/>: then disposing at the end of the block releases the lock where the
    /// release did. Follows the release out of blocks, if/else and switch sections, through trailing
    /// <c>return</c> (of a constant, local or parameter), <c>break</c> and <c>continue</c>.
    /// </summary>
    private static bool IsTerminal(StatementSyntax release, BlockSyntax declaring, SemanticModel model, CancellationToken ct)
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
                if (!IsTrivial(next, model, ct))
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

    private static bool IsTrivial(StatementSyntax statement, SemanticModel model, CancellationToken ct) => statement switch
    {
        EmptyStatementSyntax or BreakStatementSyntax or ContinueStatementSyntax => true,
        ReturnStatementSyntax { Expression: null } => true,
        ReturnStatementSyntax { Expression: { } value } => IsTrivial(value, model, ct),
        ExpressionStatementSyntax { Expression: var expression } => IsHandleRelease(expression, model, ct),
        _ => false,
    };

    /// <summary>
    /// The release of another lock handle held in a local (<c>y.Unlock(other)</c>, <c>other.Dispose()</c>,
    /// <c>await other.DisposeAsync()</c>): nothing runs between it and the end of the block that the
    /// lock being fixed must not cover, so the two releases may change places.
    /// </summary>
    private static bool IsHandleRelease(ExpressionSyntax expression, SemanticModel model, CancellationToken ct)
    {
        if (expression is AwaitExpressionSyntax awaited)
        {
            expression = awaited.Expression;
        }

        if (expression is not InvocationExpressionSyntax call
            || FixSyntax.ExplicitReceiver(call) is not { } receiver
            || !FixSyntax.IsSimplePath(receiver)
            || model.GetSymbolInfo(call, ct).Symbol is not IMethodSymbol method
            || !FixSyntax.IsRelease(method))
        {
            return false;
        }

        ExpressionSyntax? handle = call.ArgumentList.Arguments.Count switch
        {
            0 => receiver,
            1 when call.ArgumentList.Arguments[0].RefKindKeyword.RawKind == 0 => call.ArgumentList.Arguments[0].Expression,
            _ => null,
        };
        return handle is IdentifierNameSyntax
            && model.GetSymbolInfo(handle, ct).Symbol is ILocalSymbol { IsRef: false } local
            && local.Type.Name == "LockHandle"
            && local.Type.ContainingNamespace?.ToDisplayString() == "Toolstack.Runtime";
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

    /// <summary>
    /// <c>LockHandle h = x.Lock(); try { …statements up to the release… } finally { release }</c>, or null
    /// when moving those statements into a try block would change what later statements see.
    /// </summary>
    private static BlockSyntax? TryFinally(BlockSyntax block, LocalDeclarationStatementSyntax declaration,
        StatementSyntax release, SemanticModel model, CancellationToken ct)
    {
        int start = block.Statements.IndexOf(declaration) + 1;
        int end = block.Statements.IndexOf(release);
        if (end <= start)
        {
            return null;
        }

        List<StatementSyntax> wrapped = block.Statements.Skip(start).Take(end - start).ToList();
        if (wrapped.Any(s => s is LabeledStatementSyntax or LocalFunctionStatementSyntax
                || s is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: not 0 })
            || wrapped.Concat(new[] { release }).Any(s => s.DescendantTrivia().Any(t => t.IsDirective))
            || release.GetLeadingTrivia().Any(t => t.IsDirective))
        {
            return null;
        }

        // A local declared by the moved statements would go out of scope for what follows.
        var declared = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (SyntaxNode node in wrapped.SelectMany(s => s.DescendantNodes()))
        {
            if (node is VariableDeclaratorSyntax or SingleVariableDesignationSyntax
                && model.GetDeclaredSymbol(node, ct) is { } symbol)
            {
                declared.Add(symbol);
            }
        }

        foreach (IdentifierNameSyntax name in block.Statements.Skip(end).SelectMany(s => s.DescendantNodes()).OfType<IdentifierNameSyntax>())
        {
            if (model.GetSymbolInfo(name, ct).Symbol is { } used && declared.Contains(used))
            {
                return null;
            }
        }

        (SyntaxTriviaList blankLines, SyntaxTriviaList rest) = SplitBlankLines(wrapped[0].GetLeadingTrivia());
        wrapped[0] = wrapped[0].WithLeadingTrivia(rest);

        TryStatementSyntax tryStatement = SyntaxFactory.TryStatement(
                SyntaxFactory.Block(wrapped),
                default,
                SyntaxFactory.FinallyClause(SyntaxFactory.Block(
                    release.WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithTrailingTrivia(SyntaxFactory.ElasticMarker))))
            .WithLeadingTrivia(blankLines.AddRange(Indentation(wrapped[0].GetLeadingTrivia())))
            .WithTrailingTrivia(release.GetTrailingTrivia())
            .WithAdditionalAnnotations(Formatter.Annotation);

        var statements = new List<StatementSyntax>(block.Statements.Take(start)) { tryStatement };
        statements.AddRange(block.Statements.Skip(end + 1));
        return block.WithStatements(SyntaxFactory.List(statements));
    }

    /// <summary>The whitespace just before a statement's first token: its indentation.</summary>
    private static SyntaxTriviaList Indentation(SyntaxTriviaList leading) =>
        leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia)
            ? SyntaxFactory.TriviaList(leading[leading.Count - 1])
            : SyntaxFactory.TriviaList(SyntaxFactory.ElasticMarker);

    /// <summary>Splits the empty lines at the start of a statement's leading trivia from the rest.</summary>
    private static (SyntaxTriviaList BlankLines, SyntaxTriviaList Remainder) SplitBlankLines(SyntaxTriviaList leading)
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

    // ---- x.Lock(); (the handle discarded) ---------------------------------------------------

    private static FixPlan? PlanDiscarded(AcquisitionSyntax acquisition, ExpressionStatementSyntax statement, SemanticModel model,
        CancellationToken ct)
    {
        if (statement.Parent is not BlockSyntax block
            || statement.GetLeadingTrivia().Any(t => t.IsDirective)
            || statement.Ancestors().OfType<MemberDeclarationSyntax>().FirstOrDefault() is not { } member)
        {
            return null;
        }

        // Something later in the block releases this lock another way: its extent is not the block's.
        var lockTypes = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default) { acquisition.Method.ContainingType };
        lockTypes.UnionWith(LockTypesOf(acquisition.Method, "AcquiresLockAttribute"));
        foreach (InvocationExpressionSyntax later in block.Statements.Skip(block.Statements.IndexOf(statement) + 1)
                     .SelectMany(s => s.DescendantNodesAndSelf()).OfType<InvocationExpressionSyntax>())
        {
            if (model.GetSymbolInfo(later, ct).Symbol is IMethodSymbol method && FixSyntax.IsRelease(method)
                && (lockTypes.Contains(method.ContainingType) || LockTypesOf(method, "ReleasesLockAttribute").Any(lockTypes.Contains)))
            {
                return null;
            }
        }

        var taken = new HashSet<string>(member.DescendantTokens()
            .Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
        string name = "handle";
        for (int i = 2; taken.Contains(name) || !model.LookupSymbols(statement.SpanStart, name: name).IsEmpty; i++)
        {
            name = "handle" + i;
        }

        bool awaitUsing = acquisition.Awaited && Implements(acquisition.HandleType, "System.IAsyncDisposable");
        TypeSyntax type = SyntaxFactory.ParseTypeName(acquisition.HandleType.ToMinimalDisplayString(model, statement.SpanStart));
        LocalDeclarationStatementSyntax declaration = SyntaxFactory.LocalDeclarationStatement(
                SyntaxFactory.VariableDeclaration(
                    type.WithTrailingTrivia(SyntaxFactory.Space),
                    SyntaxFactory.SingletonSeparatedList(
                        SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(name).WithTrailingTrivia(SyntaxFactory.Space))
                            .WithInitializer(SyntaxFactory.EqualsValueClause(
                                SyntaxFactory.Token(SyntaxKind.EqualsToken).WithTrailingTrivia(SyntaxFactory.Space),
                                statement.Expression.WithoutTrivia())))))
            .WithSemicolonToken(statement.SemicolonToken);
        LocalDeclarationStatementSyntax result = ToUsing(declaration, awaitUsing)
            .WithLeadingTrivia(statement.GetLeadingTrivia())
            .WithTrailingTrivia(statement.GetTrailingTrivia());

        return new FixPlan(
            awaitUsing ? "Keep the handle and release it with 'await using'" : "Keep the handle and release it with 'using'",
            root => root.ReplaceNode(statement, result));
    }

    private static IEnumerable<ITypeSymbol> LockTypesOf(IMethodSymbol method, string attributeName) =>
        method.GetAttributes()
            .Where(a => a.AttributeClass?.Name == attributeName)
            .SelectMany(a => a.ConstructorArguments)
            .Where(c => c.Kind == TypedConstantKind.Type)
            .Select(c => c.Value).OfType<ITypeSymbol>();

    private static bool Implements(ITypeSymbol type, string interfaceName) =>
        type.ToDisplayString() == interfaceName || type.AllInterfaces.Any(i => i.ToDisplayString() == interfaceName);
}
