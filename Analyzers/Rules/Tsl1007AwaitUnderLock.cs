using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>TSL1007: an <c>await</c> while a short lock is held on every path.</summary>
internal static class Tsl1007AwaitUnderLock
{
    public static void Check(RuleContext context)
    {
        // Releasing never waits: awaiting a handle's DisposeAsync completes at once.
        var releases = new HashSet<IOperation>();
        foreach (LockEvent lockEvent in context.Analysis.Events)
        {
            if (lockEvent.Kind == LockEventKind.Release)
            {
                releases.Add(lockEvent.Operation);
            }
        }

        // One statement, one mistake (`await foreach` awaits twice), and the await of a call already
        // reported is that call's mistake: RulePrecedence decides both.
        foreach (LockEvent awaiting in context.Analysis.Events)
        {
            if (awaiting.Kind != LockEventKind.Await)
            {
                continue;
            }

            Acquisition? shortLock = null;
            foreach (HeldLock held in awaiting.Held)
            {
                if (held.OnEveryPath && held.Acquisition.Kind is { IsSlow: false } kind
                    && (shortLock is null || kind.Level > shortLock.Kind!.Level))
                {
                    shortLock = held.Acquisition;
                }
            }

            IOperation awaited = ((IAwaitOperation)awaiting.Operation).Operation;
            if (shortLock is not null && !awaited.DescendantsAndSelf().Any(releases.Contains))
            {
                context.Report(Descriptors.AwaitUnderLock, awaiting.Operation, shortLock.Location, FixData.About(shortLock),
                    shortLock.Display);
            }
        }
    }
}
