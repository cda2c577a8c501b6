using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;
using static Toolstack.Analyzers.Descriptors;

namespace Toolstack.Analyzers.Rules;

/// <summary>How a finding relates to one already kept, for the finding to be the same mistake.</summary>
internal enum Overlap
{
    /// <summary>Both are about the same operation.</summary>
    SameOperation,

    /// <summary>The finding is an await, and the kept one is about the call it awaits (or anything inside it).</summary>
    InsideAwaited,

    /// <summary>The kept one is reported inside the statement of the finding's operation.</summary>
    SameStatement,

    /// <summary>The finding is about an acquisition, and the kept one about the call that acquires it.</summary>
    AtAcquisition,

    /// <summary>Both are about the same acquisition.</summary>
    SameAcquisition,
}

/// <summary>A rule gives way to findings of <paramref name="Rules"/> that overlap its own as <paramref name="Overlap"/> says.</summary>
internal sealed record YieldTo(Overlap Overlap, ImmutableArray<DiagnosticDescriptor> Rules);

/// <summary>A rule's place in the table: what it gives way to.</summary>
internal sealed record Rank(DiagnosticDescriptor Rule, ImmutableArray<YieldTo> Yields);

/// <summary>
/// One mistake, one diagnostic: which rule wins when a mistake could be reported
/// twice. Findings are decided rule by rule in table order, whatever order the rules ran in; a
/// finding is dropped when a finding already kept overlaps it as its rank says, or when the same
/// rule already reported at the same place.
/// </summary>
internal static class RulePrecedence
{
    /// <summary>The table, in the order findings are decided: a rule yields only to rules above it, or itself.</summary>
    public static ImmutableArray<Rank> Table { get; } = ImmutableArray.Create(
        // An out-of-order acquisition is TSL1001, whatever else the acquiring call is.
        Rank(LockOrder,
            Yield(Overlap.SameOperation, LockOrder)),
        // A QMP call under a short lock is TSL1004, not also TSL1002.
        Rank(RequiresUnlocked,
            Yield(Overlap.SameOperation, LockOrder, RequiresUnlocked)),
        Rank(BlockingUnderLock,
            Yield(Overlap.SameOperation, LockOrder, RequiresUnlocked, BlockingUnderLock)),
        Rank(WrongLockRelease,
            Yield(Overlap.SameOperation, LockOrder, RequiresUnlocked, BlockingUnderLock, WrongLockRelease)),
        Rank(DoubleRelease,
            Yield(Overlap.SameOperation, LockOrder, RequiresUnlocked, BlockingUnderLock, WrongLockRelease, DoubleRelease)),
        // The await of a call already reported is the same mistake; one statement, one TSL1007.
        Rank(AwaitUnderLock,
            Yield(Overlap.InsideAwaited, LockOrder, RequiresUnlocked, BlockingUnderLock, WrongLockRelease, DoubleRelease),
            Yield(Overlap.SameStatement, LockOrder, RequiresUnlocked, BlockingUnderLock, WrongLockRelease, DoubleRelease,
                AwaitUnderLock)),
        Rank(MissingRequiredLock,
            Yield(Overlap.SameOperation, LockOrder, RequiresUnlocked, BlockingUnderLock, WrongLockRelease, DoubleRelease,
                MissingRequiredLock)),
        // An acquisition that was itself the mistake (out of order, blocking…) is not reported again as a leak.
        Rank(LeakedLock,
            Yield(Overlap.AtAcquisition, LockOrder, RequiresUnlocked, BlockingUnderLock, WrongLockRelease, DoubleRelease,
                MissingRequiredLock)),
        // A leak already says the lock may stay held; one TSL1009 per acquisition.
        Rank(ReleaseNotOnThrow,
            Yield(Overlap.SameAcquisition, LeakedLock, ReleaseNotOnThrow)),
        // A guarded property whose accessor also requires the lock is one mistake: TSL1008 says it.
        Rank(GuardedAccess,
            Yield(Overlap.SameOperation, MissingRequiredLock, GuardedAccess)),
        // The hot-plug invariant is a mistake of its own: an add may also be TSL1004 (a short lock held).
        Rank(HotplugInvariant,
            Yield(Overlap.SameOperation, HotplugInvariant)));

    /// <summary>The findings to report, in table order.</summary>
    public static ImmutableArray<Finding> Resolve(IEnumerable<Finding> findings)
    {
        ILookup<string, Finding> byRule = findings.ToLookup(finding => finding.Rule.Id);
        var kept = ImmutableArray.CreateBuilder<Finding>();
        foreach (Rank rank in Table)
        {
            foreach (Finding finding in byRule[rank.Rule.Id])
            {
                if (!kept.Any(other => Suppresses(rank, other, finding)))
                {
                    kept.Add(finding);
                }
            }
        }

        return kept.ToImmutable();
    }

    private static bool Suppresses(Rank rank, Finding kept, Finding finding)
    {
        if (kept.Rule.Id == finding.Rule.Id && kept.Location.SourceSpan == finding.Location.SourceSpan)
        {
            return true;
        }

        foreach (YieldTo yield in rank.Yields)
        {
            if (yield.Rules.Any(rule => rule.Id == kept.Rule.Id) && Overlaps(yield.Overlap, kept, finding))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Overlaps(Overlap overlap, Finding kept, Finding finding) => (overlap, kept.About, finding.About) switch
    {
        (Overlap.SameOperation, Finding.Subject.Operation k, Finding.Subject.Operation f) => k.Value == f.Value,
        (Overlap.InsideAwaited, Finding.Subject.Operation k, Finding.Subject.Operation { Value: IAwaitOperation awaiting }) =>
            awaiting.Operation.DescendantsAndSelf().Contains(k.Value),
        (Overlap.SameStatement, _, Finding.Subject.Operation f) =>
            kept.Location.SourceTree == finding.Location.SourceTree && StatementSpan(f.Value).Contains(kept.Location.SourceSpan),
        (Overlap.AtAcquisition, Finding.Subject.Operation k, Finding.Subject.Acquisition f) => f.Value.Site == k.Value,
        (Overlap.SameAcquisition, Finding.Subject.Acquisition k, Finding.Subject.Acquisition f) => k.Value.Index == f.Value.Index,
        _ => false,
    };

    private static TextSpan StatementSpan(IOperation operation)
    {
        for (SyntaxNode? current = operation.Syntax; current is not null; current = current.Parent)
        {
            if (current is StatementSyntax)
            {
                return current.Span;
            }
        }

        return operation.Syntax.Span;
    }

    private static Rank Rank(DiagnosticDescriptor rule, params YieldTo[] yields) => new Rank(rule, yields.ToImmutableArray());

    private static YieldTo Yield(Overlap overlap, params DiagnosticDescriptor[] rules) => new YieldTo(overlap, rules.ToImmutableArray());
}
