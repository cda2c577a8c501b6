using System.Composition;
using Microsoft.CodeAnalysis.CodeFixes;
using Toolstack.Analyzers;
using Toolstack.Analyzers.Rules;

namespace Toolstack.CodeFixes;

/// <summary>
/// An acquisition whose handle is disposable: the call, its value as its statement uses it (the
/// call, or its <c>await</c>), and whether the handle goes in an <c>await using</c>.
/// </summary>
public sealed record DisposableAcquisition(InvocationExpressionSyntax Call, ExpressionSyntax Value, IMethodSymbol Method,
    ITypeSymbol HandleType, bool AwaitUsing)
{
    internal ExpressionSyntax? Receiver => AcquisitionSyntax.ExplicitReceiver(Call);
}

/// <summary>
/// TSL1005 (leaked lock) and TSL1009 (released on the normal path only): let the handle release
/// itself. The acquisition becomes a <c>using</c> (<c>await using</c> for an awaited acquisition)
/// declaration and the explicit releases of that handle go (<see cref="UsingDeclarationRewrite"/>);
/// where the lock must be released before later statements of its block run, the statements
/// between acquisition and release are wrapped in <c>try { … } finally { release }</c> instead
/// (<see cref="TryFinallyRewrite"/>).
/// </summary>
/// <remarks>
/// No fix when the handle is assigned again, returned, stored, passed to a method, captured, or
/// used in any way but released; when it is not declared in a block's statement list; when a
/// release is not a statement of its own; or when neither form keeps the lock's extent.
/// </remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(Tsl1005UseUsingFix))]
[Shared]
public sealed class Tsl1005UseUsingFix : LockCodeFixProvider<DisposableAcquisition>
{
    public static readonly string EquivalenceKey = KeyFor(Descriptors.LeakedLock, "UseUsing");

    public Tsl1005UseUsingFix() : base(Descriptors.LeakedLock, Descriptors.ReleaseNotOnThrow) { }

    private protected override DisposableAcquisition? Gather(FixContext context, Diagnostic diagnostic)
    {
        // The analyzer says how the handle is kept and whether the acquisition awaits; the
        // handle's type is the edit's question (can a using hold it).
        if (AcquisitionSyntax.InvocationAt(context.Root, diagnostic.Location) is not { } call
            || DiagnosticData.SiteAt(diagnostic, FixProperties.LockSite, FixProperties.LockHandle, call, context.Model,
                context.CancellationToken) is not { Kind: AcquisitionSiteKind.LocalDeclaration or AcquisitionSiteKind.ExpressionStatement }
            || DiagnosticData.Flag(diagnostic, FixProperties.LockAwaited) is not { } awaited
            || context.Model.GetSymbolInfo(call, context.CancellationToken).Symbol is not IMethodSymbol method)
        {
            return null;
        }

        ExpressionSyntax value = CallValue.ValueOf(call);
        Compilation compilation = context.Model.Compilation;
        return context.Model.GetTypeInfo(value, context.CancellationToken).Type is { } type
            && FixSemantics.IsDisposable(type, compilation)
                ? new DisposableAcquisition(call, value, method, type, awaited && FixSemantics.IsAsyncDisposable(type, compilation))
                : null;
    }

    private protected override IEnumerable<FixAction> Offer(FixContext context, DisposableAcquisition acquisition)
    {
        FixAction? action = acquisition.Value.Parent switch
        {
            EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } => PlanDeclared(context, acquisition, declarator),
            ExpressionStatementSyntax statement => UsingDeclarationRewrite.PlanDiscarded(context, acquisition, statement, EquivalenceKey),
            _ => null,
        };
        if (action is not null)
        {
            yield return action;
        }
    }

    /// <summary><c>LockHandle h = x.Lock();</c>: a using declaration when the releases end the block, else a try/finally.</summary>
    private static FixAction? PlanDeclared(FixContext context, DisposableAcquisition acquisition, VariableDeclaratorSyntax declarator)
    {
        SemanticModel model = context.Model;
        CancellationToken ct = context.CancellationToken;
        if (declarator.Parent is not VariableDeclarationSyntax { Variables.Count: 1, Type: not RefTypeSyntax } declaration
            || declaration.Parent is not LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0, AwaitKeyword.RawKind: 0, Modifiers.Count: 0 } statement
            || statement.Parent is not BlockSyntax block
            || statement.GetLeadingTrivia().Any(t => t.IsDirective)
            || model.GetDeclaredSymbol(declarator, ct) is not ILocalSymbol { IsRef: false } local
            || !FixSemantics.IsDisposable(local.Type, model.Compilation))
        {
            return null;
        }

        bool awaitUsing = acquisition.AwaitUsing
            && FixSemantics.IsAsyncDisposable(local.Type, model.Compilation);

        // Every use of the handle must be a release of it, standing alone as a statement.
        var releases = new List<StatementSyntax>();
        foreach (IdentifierNameSyntax name in FixSemantics.ReferencesTo(local, block, model, ct))
        {
            if (name.Ancestors().TakeWhile(a => a != block)
                    .Any(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
                || ReleaseStatement(name, acquisition, context) is not { } release
                || !StatementEditing.CanRemove(release))
            {
                return null;
            }

            releases.Add(release);
        }

        return UsingDeclarationRewrite.PlanDeclared(context, statement, block, releases, awaitUsing, EquivalenceKey)
            ?? TryFinallyRewrite.Plan(context, block, statement, releases, EquivalenceKey);
    }

    /// <summary>
    /// The statement of a release of the handle <paramref name="name"/> refers to: <c>h.Dispose();</c>,
    /// <c>await h.DisposeAsync();</c>, or <c>x.Unlock(h);</c> through the acquisition's own receiver.
    /// </summary>
    private static ExpressionStatementSyntax? ReleaseStatement(IdentifierNameSyntax name, DisposableAcquisition acquisition,
        FixContext context)
    {
        SemanticModel model = context.Model;
        CancellationToken ct = context.CancellationToken;
        if (name.Parent is MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.SimpleMemberAccessExpression } access
            && access.Expression == name
            && access.Parent is InvocationExpressionSyntax { ArgumentList.Arguments.Count: 0 } dispose
            && dispose.Expression == access
            && model.GetSymbolInfo(dispose, ct).Symbol is IMethodSymbol disposeMethod
            && FixSemantics.IsRelease(disposeMethod, context.LockModel))
        {
            return AcquisitionSyntax.StatementOf(dispose);
        }

        if (name.Parent is ArgumentSyntax { RefKindKeyword.RawKind: 0, NameColon: null }
            && name.Parent.Parent is ArgumentListSyntax { Arguments.Count: 1, Parent: InvocationExpressionSyntax unlock }
            && acquisition.Receiver is { } issuer
            && AcquisitionSyntax.ExplicitReceiver(unlock) is { } releaser
            && AcquisitionSyntax.SamePath(releaser, issuer, model)
            && model.GetSymbolInfo(unlock, ct).Symbol is IMethodSymbol unlockMethod
            && FixSemantics.IsRelease(unlockMethod, context.LockModel)
            && SymbolEqualityComparer.Default.Equals(unlockMethod.ContainingType, acquisition.Method.ContainingType))
        {
            return AcquisitionSyntax.StatementOf(unlock);
        }

        return null;
    }
}
