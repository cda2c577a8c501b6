using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>A method as its callers see it: what its analysis says it does with locks, in terms a caller can rebase.</summary>
internal static class Summarizer
{
    public static MethodSummary Summarize(MethodAnalysis analysis)
    {
        var acquires = ImmutableArray.CreateBuilder<SummaryAcquire>();
        bool anyNormalExit = false;
        foreach (ExitPath exit in analysis.Exits)
        {
            anyNormalExit |= exit.IsNormal;
        }

        if (anyNormalExit)
        {
            foreach (Acquisition acquisition in analysis.Acquisitions)
            {
                if (acquisition.IsFromCall && acquisition.Kind is not null && HeldAtEveryNormalExit(analysis, acquisition.Index))
                {
                    bool returned = analysis.Returned.Contains(acquisition.Index);
                    acquires.Add(new SummaryAcquire(acquisition.Kind, Portable(analysis, acquisition.Path), returned,
                        returned ? acquisition.CanonicalTarget : null));
                }
            }
        }

        var releases = ImmutableArray.CreateBuilder<SummaryRelease>();
        var takes = ImmutableArray.CreateBuilder<SummaryTake>();
        var requirements = ImmutableArray.CreateBuilder<UnlockRequirement>();
        CallChain blockingChain = CallChain.None;

        foreach (LockEvent lockEvent in analysis.Events)
        {
            switch (lockEvent.Kind)
            {
                case LockEventKind.Acquire when lockEvent.Acquired is { Kind: { } kind } acquired && !acquired.ViaSummary:
                    takes.Add(new SummaryTake(kind, Portable(analysis, acquired.Path), acquired.Name, CallChain.Here(acquired.Location)));
                    break;

                case LockEventKind.Release:
                    foreach (ReleaseTarget released in lockEvent.Targets)
                    {
                        Acquisition target = released.Acquisition;
                        if (target.Origin == AcquisitionOrigin.Parameter)
                        {
                            releases.Add(new SummaryRelease(target.Parameter!.Ordinal, lockEvent.ReleaserKind,
                                Portable(analysis, lockEvent.ReleaserPath), lockEvent.ReleaserKind is not null));
                        }
                        else if (target.Origin == AcquisitionOrigin.Required && target.Kind is not null)
                        {
                            releases.Add(new SummaryRelease(null, target.Kind, Portable(analysis, target.Path), ThroughLock: true));
                        }
                    }

                    break;

                case LockEventKind.Call:
                    ISymbol callee = lockEvent.Callee!;
                    if (blockingChain.IsEmpty)
                    {
                        if (lockEvent.Contract.IsBlocking)
                        {
                            blockingChain = CallChain.Direct(callee, lockEvent.Operation.Syntax.GetLocation());
                        }
                        else if (lockEvent.Summary is { IsBlocking: true } blocking && !RunsThroughThis(analysis, blocking.BlockingChain.Through(callee)))
                        {
                            blockingChain = blocking.BlockingChain.Through(callee);
                        }
                    }

                    if (lockEvent.Contract.RequiresUnlocked)
                    {
                        CallChain chain = CallChain.Direct(callee, lockEvent.Operation.Syntax.GetLocation());
                        if (lockEvent.Contract.RequiresUnlockedKinds.IsEmpty)
                        {
                            requirements.Add(new UnlockRequirement(null, chain));
                        }

                        foreach (LockKind kind in lockEvent.Contract.RequiresUnlockedKinds)
                        {
                            requirements.Add(new UnlockRequirement(kind, chain));
                        }
                    }

                    if (lockEvent.Summary is { } inner)
                    {
                        foreach (UnlockRequirement requirement in inner.UnlockRequirements)
                        {
                            if (RunsThroughThis(analysis, requirement.Chain.Through(callee)))
                            {
                                continue;
                            }

                            requirements.Add(new UnlockRequirement(requirement.Kind, requirement.Chain.Through(callee)));
                        }

                        foreach (SummaryTake take in lockEvent.TakenThrough)
                        {
                            if (RunsThroughThis(analysis, take.Chain))
                            {
                                continue;
                            }

                            takes.Add(new SummaryTake(take.Kind, Portable(analysis, take.Path), take.Name, take.Chain));
                        }
                    }

                    break;
            }
        }

        // One take per lock (by path, or by name when it has none); one requirement per forbidden lock type.
        ImmutableArray<SummaryTake> distinctTakes = Distinct(takes, (kept, take) =>
            SymbolEqualityComparer.Default.Equals(kept.Kind.Type, take.Kind.Type)
            && Equals(kept.Path, take.Path) && (kept.Path is not null || Equals(kept.Name, take.Name)));
        ImmutableArray<UnlockRequirement> distinctRequirements = Distinct(requirements, (kept, requirement) =>
            SymbolEqualityComparer.Default.Equals(kept.Kind?.Type, requirement.Kind?.Type));
        return new MethodSummary(acquires.ToImmutable(), releases.ToImmutable(), distinctTakes,
            blockingChain, distinctRequirements, UnsatisfiedRequiredLocks(analysis))
        {
            HotplugRoles = analysis.Hotplug.RolesForCallers,
        };
    }

    /// <summary>A local function's unmet <c>[RequiresLock]</c> needs, which its call sites must meet (TSL1008).</summary>
    private static ImmutableArray<RequiredLock> UnsatisfiedRequiredLocks(MethodAnalysis analysis)
    {
        if (!analysis.IsLocalFunction)
        {
            return ImmutableArray<RequiredLock>.Empty;
        }

        var required = ImmutableArray.CreateBuilder<RequiredLock>();
        foreach (LockEvent lockEvent in analysis.Events)
        {
            if (lockEvent.Kind == LockEventKind.Call)
            {
                foreach (RequiredLock needed in lockEvent.Required)
                {
                    if (!lockEvent.Holds(needed))
                    {
                        required.Add(needed);
                    }
                }
            }
        }

        return required.ToImmutable();
    }

    /// <summary>The first of each group of items <paramref name="same"/> says are alike, in order.</summary>
    private static ImmutableArray<T> Distinct<T>(ImmutableArray<T>.Builder items, System.Func<T, T, bool> same)
    {
        var distinct = ImmutableArray.CreateBuilder<T>();
        foreach (T item in items)
        {
            if (!distinct.Any(kept => same(kept, item)))
            {
                distinct.Add(item);
            }
        }

        return distinct.ToImmutable();
    }

    /// <summary>
    /// A chain that comes back through this method (recursion) adds nothing: what it reaches, the
    /// method reaches without the detour. Dropping it lets a recursive cycle's summaries settle.
    /// </summary>
    private static bool RunsThroughThis(MethodAnalysis analysis, CallChain chain)
    {
        ISymbol self = analysis.Method.OriginalDefinition;
        foreach (ISymbol call in chain.Calls)
        {
            if (SymbolEqualityComparer.Default.Equals(call.OriginalDefinition, self))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HeldAtEveryNormalExit(MethodAnalysis analysis, int acquisition)
    {
        foreach (ExitPath exit in analysis.Exits)
        {
            if (exit.IsNormal && !exit.State.IsHeld(acquisition))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A path a caller can rebase: rooted at a parameter, <c>this</c> or a static member — or, for
    /// a local function, at anything its enclosing method sees too.
    /// </summary>
    private static LockPath? Portable(MethodAnalysis analysis, LockPath? path) =>
        path is null || (path.Root is ILocalSymbol && !analysis.IsLocalFunction) ? null : path;
}
