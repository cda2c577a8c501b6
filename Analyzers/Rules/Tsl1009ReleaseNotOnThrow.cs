using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>
/// TSL1009: a lock released explicitly, with something between acquisition and release that may
/// throw and is not covered by a try whose finally (or catch) releases it — for the finally, with
/// the handle as it is when the exception leaves the try.
/// </summary>
internal static class Tsl1009ReleaseNotOnThrow
{
    public static void Check(RuleContext context)
    {
        MethodAnalysis analysis = context.Analysis;
        foreach (Acquisition acquisition in context.OwnedAcquisitions)
        {
            if (analysis.Escaped.Contains(acquisition.Index))
            {
                continue;
            }

            var releases = new List<LockEvent>();
            var protectedTries = new HashSet<ControlFlowRegion>();
            foreach (LockEvent lockEvent in analysis.Events)
            {
                if (lockEvent.Kind == LockEventKind.Release && Targets(lockEvent, acquisition))
                {
                    releases.Add(lockEvent);
                    AddProtectedTries(lockEvent.Region, protectedTries);
                }
            }

            // A finally run for an exception releases what the handle holds at the throw, which
            // the normal exit's state may not show (a handle re-taken later in the try).
            foreach (LockEvent lockEvent in analysis.OnThrowEvents)
            {
                if (lockEvent.Kind == LockEventKind.Release && Targets(lockEvent, acquisition)
                    && !lockEvent.Releaser!.IsWrongFor(acquisition))
                {
                    AddProtectedTries(lockEvent.Region, protectedTries);
                }
            }

            if (releases.Count == 0)
            {
                continue;
            }

            bool found = false;
            foreach (LockEvent lockEvent in analysis.Events)
            {
                if (lockEvent.Kind is LockEventKind.Call or LockEventKind.Await
                    && !releases.Exists(r => r.Operation == lockEvent.Operation)
                    && !IsAwaitOfAcquisition(lockEvent, acquisition)
                    && IsHeldOnEveryPath(lockEvent, acquisition)
                    && !IsInside(lockEvent.Region, protectedTries))
                {
                    string what = lockEvent.Callee is null ? "await" : MessageText.CallName(lockEvent.Callee);
                    context.Report(Descriptors.ReleaseNotOnThrow, acquisition, RuleContext.Related(lockEvent.Operation.Syntax.GetLocation()),
                        FixData.About(acquisition),
                        MessageText.Describe(acquisition.Name), what);
                    found = true;
                    break;
                }
            }

            // A throw statement of an existing exception involves no call, but leaves just the same.
            foreach (ExitPath exit in analysis.Exits)
            {
                if (!found && exit.IsThrow && exit.State.IsHeld(acquisition.Index)
                    && !IsInside(exit.Region, protectedTries))
                {
                    context.Report(Descriptors.ReleaseNotOnThrow, acquisition, RuleContext.Related(exit.Location), FixData.About(acquisition),
                        MessageText.Describe(acquisition.Name), "throw");
                    found = true;
                    break;
                }
            }
        }
    }

    /// <summary>Awaiting the acquisition's own task is part of taking the lock.</summary>
    private static bool IsAwaitOfAcquisition(LockEvent lockEvent, Acquisition acquisition) =>
        lockEvent.Kind == LockEventKind.Await && acquisition.Site is { } site
        && ((IAwaitOperation)lockEvent.Operation).Operation.DescendantsAndSelf().Contains(site);

    private static bool Targets(LockEvent release, Acquisition acquisition)
    {
        foreach (ReleaseTarget target in release.Targets)
        {
            if (target.Acquisition.Index == acquisition.Index)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsHeldOnEveryPath(LockEvent lockEvent, Acquisition acquisition)
    {
        foreach (HeldLock held in lockEvent.Held)
        {
            if (held.Acquisition.Index == acquisition.Index)
            {
                return held.OnEveryPath;
            }
        }

        return false;
    }

    /// <summary>A release in a finally or catch handler protects the try block it belongs to.</summary>
    private static void AddProtectedTries(ControlFlowRegion region, HashSet<ControlFlowRegion> tries)
    {
        for (ControlFlowRegion? current = region; current is not null; current = current.EnclosingRegion)
        {
            if (current.Kind is ControlFlowRegionKind.Finally or ControlFlowRegionKind.Catch
                && current.EnclosingRegion is { } tryAndHandler)
            {
                foreach (ControlFlowRegion sibling in tryAndHandler.NestedRegions)
                {
                    if (sibling.Kind == ControlFlowRegionKind.Try)
                    {
                        tries.Add(sibling);
                    }
                }
            }
        }
    }

    private static bool IsInside(ControlFlowRegion region, HashSet<ControlFlowRegion> tries)
    {
        for (ControlFlowRegion? current = region; current is not null; current = current.EnclosingRegion)
        {
            if (tries.Contains(current))
            {
                return true;
            }
        }

        return false;
    }
}
