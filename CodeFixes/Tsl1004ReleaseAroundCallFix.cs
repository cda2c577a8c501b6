using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Toolstack.Analyzers;
using Toolstack.Analyzers.Model;

namespace Toolstack.CodeFixes;

/// <summary>
/// TSL1004, two actions. Release the forbidden lock before the <c>[RequiresUnlocked]</c> call and
/// take it back after (as TSL1002's fix does). And, for a domain's <c>StateLock</c> inside a job,
/// enter the monitor instead: <c>X.EnterMonitor(job);</c> before, <c>X.ExitMonitor(job);</c> after.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(Tsl1004ReleaseAroundCallFix))]
[Shared]
public sealed class Tsl1004ReleaseAroundCallFix : CodeFixProvider
{
    public const string ReleaseEquivalenceKey = "TSL1004.ReleaseAroundCall";

    public const string MonitorEquivalenceKey = "TSL1004.EnterMonitor";

    private const string ReleaseTitle = "Release the lock around the call";

    private const string MonitorTitle = "Enter the monitor instead";

    private const string DomainType = "Toolstack.Runtime.Domain";

    private const string JobType = "Toolstack.Runtime.DomainJob";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.RequiresUnlocked.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        Document document = context.Document;
        CancellationToken ct = context.CancellationToken;
        SyntaxNode? root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        SemanticModel? model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
        if (root is null || model is null || LockModel.TryCreate(model.Compilation) is not { } lockModel)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (ReleaseAroundStatement.FindTarget(root, model, lockModel, diagnostic, ct) is not { } target)
            {
                continue;
            }

            if (ReleaseAroundStatement.PlanRelease(target, root, model, ct) is { } release)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(ReleaseTitle, _ => Task.FromResult(document.WithSyntaxRoot(release(root))),
                        ReleaseEquivalenceKey),
                    diagnostic);
            }

            if (PlanMonitor(target, root, model, ct) is { } monitor)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(MonitorTitle, _ => Task.FromResult(document.WithSyntaxRoot(monitor(root))),
                        MonitorEquivalenceKey),
                    diagnostic);
            }
        }
    }

    /// <summary>For <c>X.StateLock</c> of a <c>Domain X</c> with a <c>DomainJob</c> in scope: wrap the statement in Enter/ExitMonitor.</summary>
    private static System.Func<SyntaxNode, SyntaxNode>? PlanMonitor(ReleaseAroundStatement.Target target, SyntaxNode root,
        SemanticModel model, CancellationToken ct)
    {
        if (target.LockExpression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "StateLock" } access
            || model.GetSymbolInfo(access, ct).Symbol is not IPropertySymbol { IsStatic: false } stateLock
            || model.Compilation.GetTypeByMetadataName(DomainType) is not { } domainType
            || model.Compilation.GetTypeByMetadataName(JobType) is not { } jobType
            || !SymbolEqualityComparer.Default.Equals(stateLock.ContainingType, domainType))
        {
            return null;
        }

        int position = target.Statement.SpanStart;
        ISymbol[] jobs = model.LookupSymbols(position)
            .Where(symbol => symbol switch
            {
                IParameterSymbol parameter => SymbolEqualityComparer.Default.Equals(parameter.Type, jobType),
                ILocalSymbol local => SymbolEqualityComparer.Default.Equals(local.Type, jobType)
                    && local.DeclaringSyntaxReferences.All(reference => reference.Span.End <= position),
                _ => false,
            })
            .ToArray();
        ISymbol? job = jobs.FirstOrDefault(symbol => symbol.Name == "job") ?? (jobs.Length == 1 ? jobs[0] : null);
        if (job is null)
        {
            return null;
        }

        string domain = access.Expression.WithoutTrivia().ToString();
        return ReleaseAroundStatement.PlanWrap(target, root, $"{domain}.EnterMonitor({job.Name});",
            $"{domain}.ExitMonitor({job.Name});");
    }
}
