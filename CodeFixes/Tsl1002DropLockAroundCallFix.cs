using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Toolstack.Analyzers;
using Toolstack.Analyzers.Model;

namespace Toolstack.CodeFixes;

/// <summary>
/// TSL1002: drop the driver lock around the blocking call (libvirt's "drop driver lock around
/// sleep"). A handle in an assignable local: <c>_driver.Unlock(d);</c> before the statement and
/// <c>d = _driver.Lock();</c> after. A <c>using</c> scope: split in two around the statement.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(Tsl1002DropLockAroundCallFix))]
[Shared]
public sealed class Tsl1002DropLockAroundCallFix : CodeFixProvider
{
    public const string EquivalenceKey = "TSL1002.DropLockAroundCall";

    private const string Title = "Drop the lock around the blocking call";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.BlockingUnderLock.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        Document document = context.Document;
        SyntaxNode? root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null || LockModel.TryCreate(model.Compilation) is not { } lockModel)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (ReleaseAroundStatement.FindTarget(root, model, lockModel, diagnostic, context.CancellationToken) is not { } target
                || ReleaseAroundStatement.PlanRelease(target, root, model, context.CancellationToken) is not { } plan)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(Title, _ => Task.FromResult(document.WithSyntaxRoot(plan(root))), EquivalenceKey),
                diagnostic);
        }
    }
}
