using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>What the engine found in one method: its acquisitions, the events the rules read, its exits.</summary>
internal sealed class MethodAnalysis
{
    private MethodSummary? _summary;

    public MethodAnalysis(
        IMethodSymbol method,
        ImmutableArray<Acquisition> acquisitions,
        ImmutableArray<LockEvent> events,
        ImmutableArray<ExitPath> exits,
        ImmutableHashSet<int> escaped,
        ImmutableHashSet<int> returned,
        MemberContract contract)
    {
        Method = method;
        Acquisitions = acquisitions;
        Events = events;
        Exits = exits;
        Escaped = escaped;
        Returned = returned;
        Contract = contract;
    }

    public IMethodSymbol Method { get; }

    public ImmutableArray<Acquisition> Acquisitions { get; }

    public ImmutableArray<LockEvent> Events { get; }

    public ImmutableArray<ExitPath> Exits { get; }

    /// <summary>Acquisitions whose handle was returned, stored outside the method, or passed on.</summary>
    public ImmutableHashSet<int> Escaped { get; }

    public ImmutableHashSet<int> Returned { get; }

    /// <summary>What the method's own attributes say.</summary>
    public MemberContract Contract { get; }

    /// <summary>The method as its callers see it.</summary>
    public MethodSummary Summary => _summary ??= Summarize();

    /// <summary>Whether the method's attributes say it acquires a lock of <paramref name="kind"/> for its caller.</summary>
    public bool DeclaresAcquisitionOf(LockKind kind)
    {
        foreach (LockEffect effect in Contract.Acquires)
        {
            if (effect.Kind is not null && SymbolEqualityComparer.Default.Equals(effect.Kind.Type, kind.Type))
            {
                return true;
            }
        }

        return false;
    }

    private MethodSummary Summarize()
    {
        var acquires = ImmutableArray.CreateBuilder<SummaryAcquire>();
        bool anyNormalExit = false;
        foreach (ExitPath exit in Exits)
        {
            anyNormalExit |= exit.IsNormal;
        }

        if (anyNormalExit)
        {
            foreach (Acquisition acquisition in Acquisitions)
            {
                if (acquisition.IsFromCall && acquisition.Kind is not null && HeldAtEveryNormalExit(acquisition.Index))
                {
                    acquires.Add(new SummaryAcquire(acquisition.Kind, Portable(acquisition.Path),
                        Returned.Contains(acquisition.Index)));
                }
            }
        }

        var releases = ImmutableArray.CreateBuilder<SummaryRelease>();
        var takes = ImmutableArray.CreateBuilder<SummaryTake>();
        var requirements = ImmutableArray.CreateBuilder<UnlockRequirement>();
        ImmutableArray<ISymbol> blockingChain = ImmutableArray<ISymbol>.Empty;

        foreach (LockEvent lockEvent in Events)
        {
            switch (lockEvent.Kind)
            {
                case LockEventKind.Acquire when lockEvent.Acquired is { Kind: { } kind } acquired && !acquired.ViaSummary:
                    takes.Add(new SummaryTake(kind, Portable(acquired.Path), acquired.Display, ImmutableArray<ISymbol>.Empty));
                    break;

                case LockEventKind.Release:
                    foreach (ReleaseTarget released in lockEvent.Targets)
                    {
                        Acquisition target = released.Acquisition;
                        if (target.Origin == AcquisitionOrigin.Parameter)
                        {
                            releases.Add(new SummaryRelease(target.Parameter!.Ordinal, lockEvent.ReleaserKind,
                                Portable(lockEvent.ReleaserPath), lockEvent.ReleaserKind is not null));
                        }
                        else if (target.Origin == AcquisitionOrigin.Required && target.Kind is not null)
                        {
                            releases.Add(new SummaryRelease(null, target.Kind, Portable(target.Path), ThroughLock: true));
                        }
                    }

                    break;

                case LockEventKind.Call:
                    ISymbol callee = lockEvent.Callee!;
                    if (blockingChain.IsEmpty)
                    {
                        if (lockEvent.Contract.IsBlocking)
                        {
                            blockingChain = ImmutableArray.Create(callee);
                        }
                        else if (lockEvent.Summary is { IsBlocking: true } blocking && !RunsThroughThis(blocking.BlockingChain.Insert(0, callee)))
                        {
                            blockingChain = blocking.BlockingChain.Insert(0, callee);
                        }
                    }

                    if (lockEvent.Contract.RequiresUnlocked)
                    {
                        ImmutableArray<ISymbol> chain = ImmutableArray.Create(callee);
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
                            if (RunsThroughThis(requirement.Chain.Insert(0, callee)))
                            {
                                continue;
                            }

                            requirements.Add(new UnlockRequirement(requirement.Kind, requirement.Chain.Insert(0, callee)));
                        }

                        foreach (SummaryTake take in lockEvent.TakenThrough)
                        {
                            if (RunsThroughThis(take.Chain))
                            {
                                continue;
                            }

                            takes.Add(new SummaryTake(take.Kind, Portable(take.Path), take.Display, take.Chain));
                        }
                    }

                    break;
            }
        }

        return new MethodSummary(acquires.ToImmutable(), releases.ToImmutable(), Distinct(takes),
            blockingChain, DistinctRequirements(requirements), UnsatisfiedRequiredLocks());
    }

    /// <summary>A local function's unmet <c>[RequiresLock]</c> needs, which its call sites must meet (TSL1008).</summary>
    private ImmutableArray<RequiredLock> UnsatisfiedRequiredLocks()
    {
        if (!IsLocalFunction)
        {
            return ImmutableArray<RequiredLock>.Empty;
        }

        var required = ImmutableArray.CreateBuilder<RequiredLock>();
        foreach (LockEvent lockEvent in Events)
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

    public bool IsLocalFunction => Method.MethodKind == MethodKind.LocalFunction;

    private static ImmutableArray<SummaryTake> Distinct(ImmutableArray<SummaryTake>.Builder takes)
    {
        var distinct = ImmutableArray.CreateBuilder<SummaryTake>();
        foreach (SummaryTake take in takes)
        {
            bool seen = false;
            foreach (SummaryTake kept in distinct)
            {
                seen |= SymbolEqualityComparer.Default.Equals(kept.Kind.Type, take.Kind.Type)
                    && Equals(kept.Path, take.Path) && (kept.Path is not null || kept.Display == take.Display);
            }

            if (!seen)
            {
                distinct.Add(take);
            }
        }

        return distinct.ToImmutable();
    }

    private static ImmutableArray<UnlockRequirement> DistinctRequirements(ImmutableArray<UnlockRequirement>.Builder requirements)
    {
        var distinct = ImmutableArray.CreateBuilder<UnlockRequirement>();
        foreach (UnlockRequirement requirement in requirements)
        {
            bool seen = false;
            foreach (UnlockRequirement kept in distinct)
            {
                seen |= SymbolEqualityComparer.Default.Equals(kept.Kind?.Type, requirement.Kind?.Type);
            }

            if (!seen)
            {
                distinct.Add(requirement);
            }
        }

        return distinct.ToImmutable();
    }

    /// <summary>
    /// A chain that comes back through this method (recursion) adds nothing: what it reaches, the
    /// method reaches without the detour. Dropping it lets a recursive cycle's summaries settle.
    /// </summary>
    private bool RunsThroughThis(ImmutableArray<ISymbol> chain)
    {
        ISymbol self = Method.OriginalDefinition;
        foreach (ISymbol call in chain)
        {
            if (SymbolEqualityComparer.Default.Equals(call.OriginalDefinition, self))
            {
                return true;
            }
        }

        return false;
    }

    private bool HeldAtEveryNormalExit(int acquisition)
    {
        foreach (ExitPath exit in Exits)
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
    private LockPath? Portable(LockPath? path) =>
        path is null || (path.Root is ILocalSymbol && !IsLocalFunction) ? null : path;
}
