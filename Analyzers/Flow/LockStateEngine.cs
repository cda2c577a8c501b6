using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// The one lock-state analysis of a method: which locks are held (on every path, or on some) and
/// which handle each variable holds, at every point of its control-flow graph. It wires the
/// parts — <see cref="FlowSolver{TState, TSink}"/> over <see cref="LockState"/>, the
/// <see cref="LockTransfer"/> with its <see cref="CallEffects"/>, <see cref="LockPaths"/>,
/// <see cref="ExitLocations"/> — and records the events and exits the rules read.
/// </summary>
internal static class LockStateEngine
{
    public static MethodAnalysis Analyze(ControlFlowGraph graph, IMethodSymbol method, LockAnalysisContext context,
        ISummarySource summaries)
    {
        context.Statistics.EngineRuns.Enqueue(method);
        var acquisitions = new AcquisitionTable();
        var paths = new LockPaths(graph, method);
        var callPaths = new CallPaths(paths);
        var transfer = new LockTransfer(graph, context, acquisitions, paths,
            new CallEffects(context, summaries, acquisitions, callPaths));
        var solver = new FlowSolver<LockState, EventSink>(graph, transfer, EventSink.Silent, context.CancellationToken);

        LockState entry = InitialState(method, context, acquisitions, paths);
        var recorder = new EventRecorder(acquisitions, callPaths);
        var onThrow = new EventRecorder(acquisitions, callPaths);
        var exitLocations = new ExitLocations(graph, method);
        var exits = new List<ExitPath>();
        solver.Run(entry, recorder, (branch, state, block) => exits.Add(exitLocations.Exit(block, branch, transfer.Scopes.AtExit(state))));

        // What the finally regions hand on or release through a wrong lock only when an exception
        // passes is not this method's escape: TSL1003 reports none of it, so it excuses no leak.
        ImmutableHashSet<int> escaped = acquisitions.Escaped;
        solver.RunFinallyOnThrow(onThrow);

        ImmutableArray<LockEvent> events = recorder.ToImmutableArray();
        return new MethodAnalysis(method, acquisitions.ToImmutableArray(), events, onThrow.ToImmutableArray(),
            exits.ToImmutableArray(), escaped, acquisitions.Returned, context.Model.GetContract(method))
        {
            Hotplug = HotplugAnalysis.Run(graph, events, context.CancellationToken),
        };
    }

    /// <summary>On entry, the locks the method requires and the handles passed in are held.</summary>
    private static LockState InitialState(IMethodSymbol method, LockAnalysisContext context, AcquisitionTable acquisitions,
        LockPaths paths)
    {
        var state = new LockState();
        Location where = method.Locations.FirstOrDefault() ?? Location.None;

        foreach (LockEffect required in context.Model.GetContract(method).RequiresLocks)
        {
            if (required.Kind is null)
            {
                continue;
            }

            LockPath? path = paths.TargetInOwnTerms(required.Target, required.Kind);
            LockName named = required.Target.Name is { } member
                ? new LockName.OfMember(required.Kind, member)
                : new LockName.AnyOf(required.Kind);
            Acquisition acquisition = acquisitions.AddRequired(required.Kind, path, LockName.For(required.Kind, path, named), where);
            state.SetStatus(acquisition.Index, LockStatus.Held);
        }

        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (context.IsHandleType(parameter.Type))
            {
                Acquisition acquisition = acquisitions.AddHandleParameter(parameter, parameter.Locations.FirstOrDefault() ?? where);
                state.SetStatus(acquisition.Index, LockStatus.Held);
            }
        }

        return state;
    }
}
