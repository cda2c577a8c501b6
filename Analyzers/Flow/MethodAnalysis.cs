using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>What the engine found in one method: its acquisitions, the events the rules read, its exits.</summary>
/// <param name="Events">What happens on the normal paths, and in finally regions run for a branch out of their try.</param>
/// <param name="OnThrowEvents">
/// What happens in finally regions run for an exception leaving their try, entered with the states at its
/// throwing points, joined: a release there gives back whatever the handle holds when the exception leaves.
/// </param>
/// <param name="Escaped">Acquisitions whose handle was returned, stored outside the method, or passed on.</param>
/// <param name="Contract">What the method's own attributes say.</param>
internal sealed record MethodAnalysis(
    IMethodSymbol Method,
    ImmutableArray<Acquisition> Acquisitions,
    ImmutableArray<LockEvent> Events,
    ImmutableArray<LockEvent> OnThrowEvents,
    ImmutableArray<ExitPath> Exits,
    ImmutableHashSet<int> Escaped,
    ImmutableHashSet<int> Returned,
    MemberContract Contract)
{
    private MethodSummary? _summary;

    /// <summary>The method as its callers see it.</summary>
    public MethodSummary Summary => _summary ??= Summarizer.Summarize(this);

    /// <summary>What the hot-plug pass found (TSL1011); <see cref="HotplugResult.None"/> when the method plays no role.</summary>
    public HotplugResult Hotplug { get; init; } = HotplugResult.None;

    public bool IsLocalFunction => Method.MethodKind == MethodKind.LocalFunction;

    /// <summary>Whether the method's attributes say it acquires (or tries to acquire) a lock of <paramref name="kind"/> for its caller.</summary>
    public bool DeclaresAcquisitionOf(LockKind kind)
    {
        foreach (LockEffect effect in Contract.Acquires.AddRange(Contract.TryAcquires))
        {
            if (effect.Kind is not null && SymbolEqualityComparer.Default.Equals(effect.Kind.Type, kind.Type))
            {
                return true;
            }
        }

        return false;
    }
}
