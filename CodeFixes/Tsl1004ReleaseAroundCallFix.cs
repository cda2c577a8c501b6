using System.Composition;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Editing;
using Toolstack.Analyzers;
using Toolstack.Analyzers.Model;

namespace Toolstack.CodeFixes;

/// <summary>
/// TSL1004, two actions. Release the forbidden lock before the <c>[RequiresUnlocked]</c> call and
/// take it back after (as TSL1002's fix does). And, for a lock an object's members give up and
/// take back for a job (a domain's <c>StateLock</c>: <c>[ReleasesLock(…, Lock = nameof(StateLock))]
/// EnterMonitor(job)</c>), call those around the statement instead.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(Tsl1004ReleaseAroundCallFix))]
[Shared]
public sealed class Tsl1004ReleaseAroundCallFix : ReleaseAroundCallFix
{
    public static readonly string ReleaseEquivalenceKey = KeyFor(Descriptors.RequiresUnlocked, "ReleaseAroundCall");

    public static readonly string MonitorEquivalenceKey = KeyFor(Descriptors.RequiresUnlocked, "EnterMonitor");

    public Tsl1004ReleaseAroundCallFix() : base(Descriptors.RequiresUnlocked) { }

    private protected override IEnumerable<FixAction> Offer(FixContext context, ReleaseTarget target) =>
        FixAction.IfAny("Release the lock around the call", ReleaseEquivalenceKey, ReleaseAroundStatement.PlanRelease(target, context))
            .Concat(FixAction.IfAny("Enter the monitor instead", MonitorEquivalenceKey, PlanMonitor(target, context)));

    /// <summary>
    /// For <c>X.P</c>, a lock property of <c>X</c> whose type has a pair of members that release
    /// and take back <c>P</c> for a job, with one such job in scope: wrap the statement in them.
    /// </summary>
    private static System.Func<SyntaxNode, SyntaxNode>? PlanMonitor(ReleaseTarget target, FixContext context)
    {
        if (target.LockExpression is not MemberAccessExpressionSyntax access
            || context.Model.GetSymbolInfo(access, context.CancellationToken).Symbol is not IPropertySymbol { IsStatic: false } lockProperty
            || context.LockModel.GetLockKind(lockProperty.Type) is null
            || MonitorPair(lockProperty, context.LockModel) is not { } pair)
        {
            return null;
        }

        int position = target.Statement.SpanStart;
        ITypeSymbol jobType = pair.Enter.Parameters[0].Type;
        ISymbol[] jobs = context.Model.LookupSymbols(position)
            .Where(symbol => symbol switch
            {
                IParameterSymbol parameter => SymbolEqualityComparer.Default.Equals(parameter.Type, jobType),
                ILocalSymbol local => SymbolEqualityComparer.Default.Equals(local.Type, jobType)
                    && local.DeclaringSyntaxReferences.All(reference => reference.Span.End <= position),
                _ => false,
            })
            .ToArray();
        ISymbol? job = jobs.FirstOrDefault(symbol => symbol.Name == pair.Enter.Parameters[0].Name)
            ?? (jobs.Length == 1 ? jobs[0] : null);
        if (job is null)
        {
            return null;
        }

        SyntaxGenerator g = context.Generator;
        ExpressionSyntax owner = access.Expression.WithoutTrivia();
        SyntaxNode enter = g.ExpressionStatement(g.InvocationExpression(
            g.MemberAccessExpression(owner, pair.Enter.Name), g.IdentifierName(job.Name)));
        SyntaxNode exit = g.ExpressionStatement(g.InvocationExpression(
            g.MemberAccessExpression(owner, pair.Exit.Name), g.IdentifierName(job.Name)));
        return ReleaseAroundStatement.PlanWrap(target, enter, exit);
    }

    /// <summary>
    /// The instance methods of the property's type that release (<c>Enter</c>) and take back
    /// (<c>Exit</c>) the lock that property holds, each taking one argument of the same type.
    /// </summary>
    private static (IMethodSymbol Enter, IMethodSymbol Exit)? MonitorPair(IPropertySymbol lockProperty, LockModel lockModel)
    {
        IMethodSymbol[] candidates = lockProperty.ContainingType.GetMembers().OfType<IMethodSymbol>()
            .Where(method => !method.IsStatic && method.Parameters.Length == 1 && method.MethodKind == MethodKind.Ordinary)
            .ToArray();
        IMethodSymbol? enter = candidates.FirstOrDefault(method =>
            lockModel.GetContract(method).Releases.Any(effect => effect.Target.Name == lockProperty.Name));
        IMethodSymbol? exit = enter is null ? null : candidates.FirstOrDefault(method =>
            lockModel.GetContract(method).Acquires.Any(effect => effect.Target.Name == lockProperty.Name)
            && SymbolEqualityComparer.Default.Equals(method.Parameters[0].Type, enter.Parameters[0].Type));
        return enter is not null && exit is not null ? (enter, exit) : null;
    }
}
