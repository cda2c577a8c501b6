using System.Composition;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Formatting;
using Toolstack.Analyzers;
using Toolstack.Analyzers.Rules;

namespace Toolstack.CodeFixes;

/// <summary>The wrong release and its receiver, the acquisition and its receiver (the issuer), and the handle local.</summary>
public sealed record ReleaseThroughIssuerNeeds(InvocationExpressionSyntax Release, InvocationExpressionSyntax Acquisition,
    ExpressionSyntax WrongReceiver, ExpressionSyntax Issuer, ILocalSymbol Handle);

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
[Shared]
public sealed class Tsl1003ReleaseThroughIssuerFix : LockCodeFixProvider<ReleaseThroughIssuerNeeds>
{
    public static readonly string EquivalenceKey = KeyFor(Descriptors.WrongLockRelease, "ReleaseThroughIssuer");

    public Tsl1003ReleaseThroughIssuerFix() : base(Descriptors.WrongLockRelease) { }

    private protected override ReleaseThroughIssuerNeeds? Gather(FixContext context, Diagnostic diagnostic) =>
        diagnostic.AdditionalLocations.Count > 0
        && AcquisitionSyntax.InvocationAt(context.Root, diagnostic.Location) is { } release
        && AcquisitionSyntax.InvocationAt(context.Root, diagnostic.AdditionalLocations[0]) is { } acquisition
        && AcquisitionSyntax.ExplicitReceiver(release) is { } wrongReceiver
        && AcquisitionSyntax.ExplicitReceiver(acquisition) is { } issuer
        && DiagnosticData.Text(diagnostic, FixProperties.LockReceiver) == issuer.ToString()
        && release.ArgumentList.Arguments.Count == 1
        && release.ArgumentList.Arguments[0] is { RefKindKeyword.RawKind: 0, Expression: IdentifierNameSyntax handle }
        && context.Model.GetSymbolInfo(handle, context.CancellationToken).Symbol is ILocalSymbol local
            ? new ReleaseThroughIssuerNeeds(release, acquisition, wrongReceiver, issuer, local)
            : null;

    private protected override IEnumerable<FixAction> Offer(FixContext context, ReleaseThroughIssuerNeeds needs)
    {
        if (IsCertain(context, needs))
        {
            ExpressionSyntax receiver = needs.Issuer.WithoutTrivia().WithTriviaFrom(needs.WrongReceiver)
                .WithAdditionalAnnotations(Formatter.Annotation);
            yield return new FixAction($"Release through '{needs.Issuer}'", EquivalenceKey,
                root => root.ReplaceNode(needs.WrongReceiver, receiver));
        }
    }

    private static bool IsCertain(FixContext context, ReleaseThroughIssuerNeeds needs)
    {
        SemanticModel model = context.Model;
        CancellationToken ct = context.CancellationToken;

        // The handle comes from this acquisition and nowhere else, through a path of names.
        if (!AcquisitionSyntax.IsSimplePath(needs.Issuer) || !IsOnlyValueOf(needs.Handle, needs.Acquisition, model, ct))
        {
            return false;
        }

        // The issuer's first name means the same thing at the release, and still the same object.
        ExpressionSyntax leftmost = AcquisitionSyntax.Leftmost(needs.Issuer);
        ISymbol? original = AcquisitionSyntax.LeftmostSymbol(needs.Issuer, model);
        if (original is null)
        {
            return false;
        }

        if (leftmost is IdentifierNameSyntax)
        {
            ISymbol? atRelease = model.GetSpeculativeSymbolInfo(needs.Release.SpanStart, leftmost.WithoutTrivia(),
                SpeculativeBindingOption.BindAsExpression).Symbol;
            if (!SymbolEqualityComparer.Default.Equals(original, atRelease)
                || (original is ILocalSymbol or IParameterSymbol && FixSemantics.IsAssigned(original, context.Root, model, ct)))
            {
                return false;
            }
        }

        // And the fixed call binds to a release of the issuer's lock.
        var access = (MemberAccessExpressionSyntax)needs.Release.Expression;
        InvocationExpressionSyntax fixedCall = needs.Release.WithExpression(access.WithExpression(needs.Issuer.WithoutTrivia()));
        return model.GetSpeculativeSymbolInfo(needs.Release.SpanStart, fixedCall, SpeculativeBindingOption.BindAsExpression).Symbol
                is IMethodSymbol method
            && FixSemantics.IsRelease(method, context.LockModel)
            && SymbolEqualityComparer.Default.Equals(method.ContainingType, model.GetTypeInfo(needs.Issuer, ct).Type);
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
                || FixSemantics.IsAssigned(local, acquisition.SyntaxTree.GetRoot(ct), model, ct))
            {
                return false;
            }

            if (CallValue.ValueOf(acquisition) == value)
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
}
