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
        var candidates = new Dictionary<int, Candidate>();
        var inOrder = new List<Candidate>();
        foreach (Acquisition acquisition in context.OwnedAcquisitions)
        {
            if (!analysis.Escaped.Contains(acquisition.Index) && !candidates.ContainsKey(acquisition.Index))
            {
                var candidate = new Candidate(acquisition);
                candidates[acquisition.Index] = candidate;
                inOrder.Add(candidate);
            }
        }

        if (candidates.Count == 0)
        {
            return;
        }

        // One pass over the events for every acquisition at once: a pass per acquisition made a
        // method with thousands of locks quadratic (most of the analyzer's time on a 5,000-statement method).
        foreach (LockEvent lockEvent in analysis.Events)
        {
            if (lockEvent.Kind == LockEventKind.Release)
            {
                foreach (ReleaseTarget target in lockEvent.Targets)
                {
                    if (candidates.TryGetValue(target.Acquisition.Index, out Candidate? candidate))
                    {
                        candidate.Releases.Add(lockEvent.Operation);
                        AddProtectedTries(lockEvent.Region, candidate.ProtectedTries);
                    }
                }
            }
        }

        // A finally run for an exception releases what the handle holds at the throw, which
        // the normal exit's state may not show (a handle re-taken later in the try).
        foreach (LockEvent lockEvent in analysis.OnThrowEvents)
        {
            if (lockEvent.Kind == LockEventKind.Release)
            {
                foreach (ReleaseTarget target in lockEvent.Targets)
                {
                    if (candidates.TryGetValue(target.Acquisition.Index, out Candidate? candidate)
                        && !lockEvent.Releaser!.IsWrongFor(candidate.Acquisition))
                    {
                        AddProtectedTries(lockEvent.Region, candidate.ProtectedTries);
                    }
                }
            }
        }

        // The first call or await, in event order, that may throw with the lock held on every path and unprotected.
        foreach (LockEvent lockEvent in analysis.Events)
        {
            if (lockEvent.Kind is not (LockEventKind.Call or LockEventKind.Await))
            {
                continue;
            }

            foreach (HeldLock held in lockEvent.Held)
            {
                if (held.OnEveryPath && candidates.TryGetValue(held.Acquisition.Index, out Candidate? candidate)
                    && candidate.Releases.Count > 0 && candidate.FirstThrowing is null
                    && !candidate.Releases.Contains(lockEvent.Operation)
                    && !IsAwaitOfAcquisition(lockEvent, candidate.Acquisition)
                    && IsHeldOnEveryPath(lockEvent, candidate.Acquisition)
                    && !IsInside(lockEvent.Region, candidate.ProtectedTries))
                {
                    candidate.FirstThrowing = lockEvent;
                }
            }
        }

        foreach (Candidate candidate in inOrder)
        {
            Acquisition acquisition = candidate.Acquisition;
            if (candidate.Releases.Count == 0)
            {
                continue;
            }

            if (candidate.FirstThrowing is { } lockEvent)
            {
                string what = lockEvent.Callee is null ? "await" : MessageText.CallName(lockEvent.Callee);
                context.Report(Descriptors.ReleaseNotOnThrow, acquisition, RuleContext.Related(lockEvent.Operation.Syntax.GetLocation()),
                    FixData.About(acquisition),
                    MessageText.Describe(acquisition.Name), what);
                continue;
            }

            // A throw statement of an existing exception involves no call, but leaves just the same.
            foreach (ExitPath exit in analysis.Exits)
            {
                if (exit.IsThrow && exit.State.IsHeld(acquisition.Index) && !IsInside(exit.Region, candidate.ProtectedTries))
                {
                    context.Report(Descriptors.ReleaseNotOnThrow, acquisition, RuleContext.Related(exit.Location), FixData.About(acquisition),
                        MessageText.Describe(acquisition.Name), "throw");
                    break;
                }
            }
        }
    }

    /// <summary>What the rule gathers about one acquisition it may report.</summary>
    private sealed class Candidate
    {
        public Candidate(Acquisition acquisition)
        {
            Acquisition = acquisition;
        }

        public Acquisition Acquisition { get; }

        public HashSet<IOperation> Releases { get; } = new HashSet<IOperation>();

        public HashSet<ControlFlowRegion> ProtectedTries { get; } = new HashSet<ControlFlowRegion>();

        public LockEvent? FirstThrowing { get; set; }
    }

    /// <summary>Awaiting the acquisition's own task is part of taking the lock.</summary>
    private static bool IsAwaitOfAcquisition(LockEvent lockEvent, Acquisition acquisition) =>
        lockEvent.Kind == LockEventKind.Await && acquisition.Site is { } site
        && ((IAwaitOperation)lockEvent.Operation).Operation.DescendantsAndSelf().Contains(site);

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
        for (ControlFlowRegion? current = region; current is { Kind: not ControlFlowRegionKind.Root }; current = current.EnclosingRegion)
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
        for (ControlFlowRegion? current = region; current is { Kind: not ControlFlowRegionKind.Root }; current = current.EnclosingRegion)
        {
            if (tries.Contains(current))
            {
                return true;
            }
        }

        return false;
    }
}
