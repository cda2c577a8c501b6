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
/// TSL1003: release through the lock that issued the handle — the receiver of the wrong
/// <c>Unlock(h)</c> becomes the receiver of the acquisition (the diagnostic's additional location).
/// </summary>
/// <remarks>
/// Offered only when that is certainly the issuer and certainly the same object at the release:
/// the handle is a local assigned once, from that acquisition; the acquisition's receiver is a
/// path of names (no call, no indexer) whose first name binds at the release to the same symbol
/// and, if a local or parameter, is never assigned after its declaration.
/// </remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(Tsl1003ReleaseThroughIssuerFix))]
public sealed class Tsl1003ReleaseThroughIssuerFix : CodeFixProvider
{
    public const string EquivalenceKey = "Toolstack.TSL1003.ReleaseThroughIssuer";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("TSL1003");

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
                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Release through '{plan.Issuer}'",
                        token => ApplyAsync(context.Document, plan, token),
                        EquivalenceKey),
                    diagnostic);
            }
        }
    }

    private sealed class FixPlan
    {
        public FixPlan(ExpressionSyntax wrongReceiver, ExpressionSyntax issuer)
        {
            WrongReceiver = wrongReceiver;
            Issuer = issuer;
        }

        public ExpressionSyntax WrongReceiver { get; }

        public ExpressionSyntax Issuer { get; }
    }

    private static FixPlan? Plan(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken ct)
    {
        if (!diagnostic.Location.IsInSource || diagnostic.AdditionalLocations.Count == 0
            || diagnostic.AdditionalLocations[0] is not { IsInSource: true } issuedAt
            || issuedAt.SourceTree != root.SyntaxTree)
        {
            return null;
        }

        if (Invocation(root, diagnostic.Location) is not { } release
            || Invocation(root, issuedAt) is not { } acquisition
            || FixSyntax.ExplicitReceiver(release) is not { } wrongReceiver
            || FixSyntax.ExplicitReceiver(acquisition) is not { } issuer
            || !FixSyntax.IsSimplePath(issuer)
            || release.ArgumentList.Arguments.Count != 1
            || release.ArgumentList.Arguments[0] is not { RefKindKeyword.RawKind: 0, Expression: IdentifierNameSyntax handle })
        {
            return null;
        }

        // The handle comes from this acquisition and nowhere else.
        if (model.GetSymbolInfo(handle, ct).Symbol is not ILocalSymbol local
            || !IsOnlyValueOf(local, acquisition, model, ct))
        {
            return null;
        }

        // The issuer's first name means the same thing at the release, and still the same object.
        ExpressionSyntax leftmost = FixSyntax.Leftmost(issuer);
        ISymbol? original = FixSyntax.LeftmostSymbol(issuer, model);
        if (original is null)
        {
            return null;
        }

        if (leftmost is IdentifierNameSyntax)
        {
            ISymbol? atRelease = model.GetSpeculativeSymbolInfo(release.SpanStart, leftmost.WithoutTrivia(),
                SpeculativeBindingOption.BindAsExpression).Symbol;
            if (!SymbolEqualityComparer.Default.Equals(original, atRelease)
                || (original is ILocalSymbol or IParameterSymbol && IsAssigned(original, root, model, ct)))
            {
                return null;
            }
        }

        // And the fixed call binds to a release of the issuer's lock.
        InvocationExpressionSyntax fixedCall = Rewrite(release, issuer);
        if (model.GetSpeculativeSymbolInfo(release.SpanStart, fixedCall, SpeculativeBindingOption.BindAsExpression).Symbol
                is not IMethodSymbol method
            || !FixSyntax.IsRelease(method)
            || !SymbolEqualityComparer.Default.Equals(method.ContainingType, model.GetTypeInfo(issuer, ct).Type))
        {
            return null;
        }

        return new FixPlan(wrongReceiver, issuer);
    }

    private static InvocationExpressionSyntax? Invocation(SyntaxNode root, Location location)
    {
        InvocationExpressionSyntax? invocation = root.FindNode(location.SourceSpan, getInnermostNodeForTie: true)
            .FirstAncestorOrSelf<InvocationExpressionSyntax>();
        return invocation?.Span == location.SourceSpan ? invocation : null;
    }

    private static InvocationExpressionSyntax Rewrite(InvocationExpressionSyntax release, ExpressionSyntax issuer)
    {
        var access = (MemberAccessExpressionSyntax)release.Expression;
        ExpressionSyntax receiver = issuer.WithoutTrivia().WithTriviaFrom(access.Expression)
            .WithAdditionalAnnotations(Formatter.Annotation);
        return release.WithExpression(access.WithExpression(receiver));
    }

    /// <summary>
    /// <paramref name="local"/> is declared with <paramref name="acquisition"/> (or its await) as
    /// initializer, and never assigned again.
    /// </summary>
    /// <remarks>Follows copies: <c>LockHandle same = vm;</c>, each local assigned only there.</remarks>
    private static bool IsOnlyValueOf(ILocalSymbol local, InvocationExpressionSyntax acquisition, SemanticModel model,
        CancellationToken ct)
    {
        for (int depth = 0; depth < 8; depth++)
        {
            if (local.DeclaringSyntaxReferences.Length != 1
                || local.DeclaringSyntaxReferences[0].GetSyntax(ct) is not VariableDeclaratorSyntax { Initializer.Value: { } value } declarator
                || declarator.SyntaxTree != acquisition.SyntaxTree
                || IsAssigned(local, acquisition.SyntaxTree.GetRoot(ct), model, ct))
            {
                return false;
            }

            if (IsAcquisitionValue(value, acquisition))
            {
                return true;
            }

            if (value is not IdentifierNameSyntax copied || model.GetSymbolInfo(copied, ct).Symbol is not ILocalSymbol source)
            {
                return false;
            }

            local = source;
        }

        return false;
    }

    private static bool IsAcquisitionValue(ExpressionSyntax value, InvocationExpressionSyntax acquisition)
    {
        if (value is AwaitExpressionSyntax awaited)
        {
            value = awaited.Expression;
            if (value is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } configure })
            {
                value = configure.Expression;
            }
        }

        return value == acquisition;
    }

    /// <summary>Whether <paramref name="symbol"/> is written anywhere in <paramref name="scope"/> (its declaration aside).</summary>
    private static bool IsAssigned(ISymbol symbol, SyntaxNode scope, SemanticModel model, CancellationToken ct)
    {
        foreach (IdentifierNameSyntax name in scope.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (name.Identifier.ValueText != symbol.Name
                || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, ct).Symbol, symbol))
            {
                continue;
            }

            SyntaxNode target = name.Parent is MemberAccessExpressionSyntax access && access.Name == name ? access : name;
            switch (target.Parent)
            {
                case AssignmentExpressionSyntax assignment when assignment.Left == target:
                case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression }:
                case PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression or (int)SyntaxKind.PostDecrementExpression }:
                case ArgumentSyntax { RefKindKeyword.RawKind: not 0 }:
                case RefExpressionSyntax:
                    return true;
            }
        }

        return false;
    }

    private static async Task<Document> ApplyAsync(Document document, FixPlan plan, CancellationToken ct)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(ct).ConfigureAwait(false))!;
        ExpressionSyntax receiver = plan.Issuer.WithoutTrivia().WithTriviaFrom(plan.WrongReceiver)
            .WithAdditionalAnnotations(Formatter.Annotation);
        return document.WithSyntaxRoot(root.ReplaceNode(plan.WrongReceiver, receiver));
    }
}
