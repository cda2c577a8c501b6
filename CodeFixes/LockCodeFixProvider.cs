using System.Collections.Immutable;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Editing;
using Toolstack.Analyzers.Model;

namespace Toolstack.CodeFixes;

/// <summary>What one fix works with: the document as the diagnostics saw it, and the shared lock model.</summary>
internal sealed record FixContext(Document Document, SyntaxNode Root, SemanticModel Model, LockModel LockModel,
    CancellationToken CancellationToken)
{
    public SyntaxGenerator Generator { get; } = SyntaxGenerator.GetGenerator(Document);
}

/// <summary>One action a fix offers: its title, its equivalence key, and the rewrite of the document's root.</summary>
internal sealed record FixAction(string Title, string EquivalenceKey, Func<SyntaxNode, SyntaxNode> Rewrite)
{
    /// <summary>The action, or none when there is no <paramref name="rewrite"/>.</summary>
    public static IEnumerable<FixAction> IfAny(string title, string equivalenceKey, Func<SyntaxNode, SyntaxNode>? rewrite) =>
        rewrite is null ? Enumerable.Empty<FixAction>() : new[] { new FixAction(title, equivalenceKey, rewrite) };
}

/// <summary>
/// The plumbing every lock fix shares: the IDs it fixes (from the descriptor table), one
/// equivalence-key scheme, Fix All, and the register loop. A fix says what it needs from a
/// diagnostic (<see cref="Gather"/>) and what it offers with that (<see cref="Offer"/>).
/// </summary>
/// <typeparam name="TNeeds">What the fix needs to know about one diagnostic.</typeparam>
public abstract class LockCodeFixProvider<TNeeds> : CodeFixProvider
    where TNeeds : class
{
    private protected LockCodeFixProvider(params DiagnosticDescriptor[] fixable) =>
        FixableDiagnosticIds = fixable.Select(descriptor => descriptor.Id).ToImmutableArray();

    /// <inheritdoc />
    public sealed override ImmutableArray<string> FixableDiagnosticIds { get; }

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        Document document = context.Document;
        CancellationToken ct = context.CancellationToken;
        SyntaxNode? root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        SemanticModel? model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
        if (root is null || model is null
            || LockModel.For(model.Compilation, document.Project.AnalyzerOptions, ct) is not { } lockModel)
        {
            return;
        }

        var fix = new FixContext(document, root, model, lockModel, ct);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (Gather(fix, diagnostic) is not { } needs)
            {
                continue;
            }

            foreach (FixAction action in Offer(fix, needs))
            {
                context.RegisterCodeFix(
                    CodeAction.Create(action.Title, _ => Task.FromResult(document.WithSyntaxRoot(action.Rewrite(root))),
                        action.EquivalenceKey),
                    diagnostic);
            }
        }
    }

    /// <summary>The equivalence key of one action: <c>&lt;ID&gt;.&lt;Action&gt;</c>, constant for Fix All.</summary>
    private protected static string KeyFor(DiagnosticDescriptor descriptor, string action) => descriptor.Id + "." + action;

    /// <summary>
    /// What the fix needs to know about <paramref name="diagnostic"/>, or null when it offers
    /// nothing. The one place a fix reads the diagnostic: what the analysis found from its
    /// properties (<see cref="DiagnosticData"/>), the syntax to edit from its locations; the model
    /// only for the edit's own questions (names, types, references), never to redo the analysis.
    /// </summary>
    private protected abstract TNeeds? Gather(FixContext context, Diagnostic diagnostic);

    /// <summary>The actions offered with what <see cref="Gather"/> found; none when no rewrite is safe.</summary>
    private protected abstract IEnumerable<FixAction> Offer(FixContext context, TNeeds needs);
}
