using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Flow;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Rules;

/// <summary>
/// What the rules of one method share: the engine's analysis, and the findings they make. Rules
/// do not look at each other's findings: <see cref="RulePrecedence"/> decides which are reported.
/// </summary>
internal sealed class RuleContext
{
    private readonly List<Finding> _findings = new List<Finding>();

    public RuleContext(MethodAnalysis analysis)
    {
        Analysis = analysis;
    }

    public MethodAnalysis Analysis { get; }

    public IReadOnlyList<Finding> Findings => _findings;

    /// <summary>The additional locations of a diagnostic, in order, leaving out those not known.</summary>
    public static ImmutableArray<Location> Related(params Location?[] locations) =>
        locations.OfType<Location>().Where(location => location != Location.None).ToImmutableArray();

    /// <summary>The analysis's events of one kind, in order.</summary>
    public IEnumerable<LockEvent> EventsOf(LockEventKind kind) => Analysis.Events.Where(lockEvent => lockEvent.Kind == kind);

    /// <summary>
    /// Locks this method must give back, on the paths where their handle was not handed on: taken
    /// here, and not the point of the method (a wrapper declared <c>[AcquiresLock]</c>). A helper
    /// that takes a lock and keeps no handle was already reported inside the helper.
    /// </summary>
    public IEnumerable<Acquisition> OwnedAcquisitions => Analysis.Acquisitions.Where(acquisition =>
        acquisition.IsFromCall
        && acquisition.Kind is not null
        && !(acquisition.ViaSummary && !acquisition.HasHandle)
        && !Analysis.DeclaresAcquisitionOf(acquisition.Kind));

    /// <summary>
    /// The innermost lock held on every path at <paramref name="lockEvent"/> that <paramref name="matches"/>
    /// (the first of the innermost level): the one to drop first.
    /// </summary>
    public static Acquisition? InnermostHeld(LockEvent lockEvent, Func<LockKind, bool> matches)
    {
        Acquisition? innermost = null;
        foreach (HeldLock held in lockEvent.Held)
        {
            if (held.OnEveryPath && held.Acquisition.Kind is { } kind && matches(kind)
                && (innermost is null || kind.Level > innermost.Kind!.Level))
            {
                innermost = held.Acquisition;
            }
        }

        return innermost;
    }

    /// <summary>
    /// When no lock that <paramref name="matches"/> is held on every path: the innermost one held on
    /// every path where a tracked bool has one value (a feasible path with it held).
    /// </summary>
    public static ConditionalHold? InnermostHeldWhen(LockEvent lockEvent, Func<LockKind, bool> matches)
    {
        ConditionalHold? innermost = null;
        foreach (ConditionalHold held in lockEvent.HeldWhen)
        {
            if (held.Acquisition.Kind is { } kind && matches(kind)
                && (innermost is null || kind.Level > innermost.Value.Acquisition.Kind!.Level))
            {
                innermost = held;
            }
        }

        return innermost;
    }

    /// <summary>A finding at <paramref name="operation"/>.</summary>
    public void Report(DiagnosticDescriptor descriptor, IOperation operation, ImmutableArray<Location> related, params object[] arguments) =>
        Report(descriptor, operation, related, ImmutableDictionary<string, string?>.Empty, arguments);

    public void Report(DiagnosticDescriptor descriptor, IOperation operation, ImmutableArray<Location> related,
        ImmutableDictionary<string, string?> properties, params object[] arguments) =>
        _findings.Add(new Finding(descriptor, new Finding.Subject.Operation(operation), operation.Syntax.GetLocation(), related, arguments)
        {
            Properties = properties,
        });

    /// <summary>A finding at <paramref name="acquisition"/>.</summary>
    public void Report(DiagnosticDescriptor descriptor, Acquisition acquisition, ImmutableArray<Location> related, params object[] arguments) =>
        Report(descriptor, acquisition, related, ImmutableDictionary<string, string?>.Empty, arguments);

    public void Report(DiagnosticDescriptor descriptor, Acquisition acquisition, ImmutableArray<Location> related,
        ImmutableDictionary<string, string?> properties, params object[] arguments) =>
        _findings.Add(new Finding(descriptor, new Finding.Subject.Acquisition(acquisition), acquisition.Location, related, arguments)
        {
            Properties = properties,
        });
}
