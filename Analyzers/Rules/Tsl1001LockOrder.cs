using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Flow;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Rules;

/// <summary>TSL1001: a lock taken while a lock at or inside its level is held on every path.</summary>
internal static class Tsl1001LockOrder
{
    public static void Check(RuleContext context)
    {
        foreach (LockEvent lockEvent in context.Analysis.Events)
        {
            if (lockEvent.Kind == LockEventKind.Acquire && lockEvent.Acquired is { Kind: { } kind } acquired)
            {
                Check(context, CanonicalOrder.WithoutPartners(lockEvent), kind, acquired.Path,
                    MessageText.Describe(acquired.Name), lastHop: null);
            }
            else if (lockEvent.Kind == LockEventKind.Call)
            {
                // A callee that takes a lock inside takes it while the caller's locks are held.
                foreach (SummaryTake take in lockEvent.TakenThrough)
                {
                    Check(context, lockEvent, take.Kind, take.Path,
                        $"{MessageText.Describe(take.Name)} through '{MessageText.Chain(take.Chain.Calls)}'", take.Chain.LastHop);
                }
            }
        }
    }

    private static void Check(RuleContext context, LockEvent lockEvent, LockKind taking, LockPath? path, string display,
        Location? lastHop)
    {
        // A lock object without [LockLevel] has no place in the order: neither side of one is checked.
        if (taking.HasLevel && RuleContext.InnermostHeld(lockEvent, held => held.HasLevel && held.Level >= taking.Level) is { } outer)
        {
            context.Report(Descriptors.LockOrder, lockEvent.Operation, RuleContext.Related(outer.Location, lastHop),
                FixData.OutOfOrder(outer, lockEvent, taking),
                display, MessageText.Describe(outer.Name), Reason(taking, path, outer));
        }
    }

    private static string Reason(LockKind taking, LockPath? path, Acquisition held)
    {
        LockKind inner = held.Kind!;
        if (SameLock.Certainly(taking, path, inner, held.Path))
        {
            return "the same lock is taken twice";
        }

        return inner.Level == taking.Level
            ? $"two locks of level {inner.Level} may not be nested"
            : $"{taking.Name} (level {taking.Level}) must be taken before {inner.Name} (level {inner.Level})";
    }
}
