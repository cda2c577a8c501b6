using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>TSL1007: an <c>await</c> while a short lock is held on every path, or on every path where a tracked bool has one value.</summary>
internal static class Tsl1007AwaitUnderLock
{
    public static void Check(RuleContext context)
    {
        // Releasing never waits: awaiting a handle's DisposeAsync completes at once.
        var releases = new HashSet<IOperation>(context.EventsOf(LockEventKind.Release).Select(release => release.Operation));

        // One statement, one mistake (`await foreach` awaits twice), and the await of a call already
        // reported is that call's mistake: RulePrecedence decides both.
        foreach (LockEvent awaiting in context.EventsOf(LockEventKind.Await))
        {
            if (awaiting.Held.IsEmpty)
            {
                continue;
            }

            IOperation awaited = ((IAwaitOperation)awaiting.Operation).Operation;

            // `await gate.WaitAsync()` completes when the lock is taken: that await is not under it.
            var acquiredByAwait = new HashSet<IOperation>(awaited.DescendantsAndSelf());
            LockEvent before = awaiting with
            {
                Held = awaiting.Held.RemoveAll(held => held.Acquisition.Site is { } site && acquiredByAwait.Contains(site)),
            };
            Acquisition? shortLock = RuleContext.InnermostHeld(before, kind => !kind.IsSlow);

            if (shortLock is not null && !awaited.DescendantsAndSelf().Any(releases.Contains))
            {
                context.Report(Descriptors.AwaitUnderLock, awaiting.Operation, RuleContext.Related(shortLock.Location), FixData.About(shortLock),
                    MessageText.Describe(shortLock.Name));
            }
            else if (shortLock is null && RuleContext.InnermostHeldWhen(awaiting, kind => !kind.IsSlow) is { } held
                && !awaited.DescendantsAndSelf().Any(releases.Contains))
            {
                context.Report(Descriptors.AwaitUnderLock, awaiting.Operation, RuleContext.Related(held.Acquisition.Location),
                    MessageText.Describe(held));
            }
        }
    }
}
