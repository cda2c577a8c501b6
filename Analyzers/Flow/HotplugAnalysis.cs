using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// libxl's hot-plug invariant (TSL1011), as a second, small pass over a method the lock engine has
/// analysed: per acquisition of a relevant lock, "described since acquired" and "removed from the
/// primary config since acquired". Methods whose calls play no role skip it entirely.
/// </summary>
internal static class HotplugAnalysis
{
    public static HotplugResult Run(ControlFlowGraph graph, ImmutableArray<LockEvent> events, CancellationToken ct)
    {
        var byOperation = new Dictionary<IOperation, List<LockEvent>>();
        var keys = new HotplugKeys();
        bool anyRole = false;
        foreach (LockEvent lockEvent in events)
        {
            if (lockEvent.Kind == LockEventKind.Call)
            {
                foreach (HotplugRole role in HotplugTransfer.RolesOf(lockEvent))
                {
                    anyRole = true;
                    keys.CallerLock(role);
                }
            }

            if (lockEvent.Kind is LockEventKind.Call or LockEventKind.Acquire)
            {
                if (!byOperation.TryGetValue(lockEvent.Operation, out List<LockEvent>? list))
                {
                    byOperation.Add(lockEvent.Operation, list = new List<LockEvent>());
                }

                list.Add(lockEvent);
            }
        }

        if (!anyRole)
        {
            return HotplugResult.None;
        }

        // On entry, nothing has happened under the caller's locks as far as this method knows.
        ImmutableHashSet<int> callerLocks = keys.CallerLocks.Select(pair => pair.Key).ToImmutableHashSet();
        var solver = new FlowSolver<HotplugState, HotplugSink>(graph, new HotplugTransfer(byOperation, keys), HotplugSink.Silent, ct);
        var recorder = new HotplugRecorder();
        var exits = new List<HotplugState>();
        solver.Run(new HotplugState(callerLocks, callerLocks), recorder, (branch, state, from) =>
        {
            if (branch.Semantics is ControlFlowBranchSemantics.Regular or ControlFlowBranchSemantics.Return)
            {
                exits.Add(state);
            }
        });

        return new HotplugResult(recorder.Findings, RolesForCallers(keys, recorder.Needs, exits));
    }

    /// <summary>
    /// Its needs under the caller's lock, and the steps it takes under it on every normal way out
    /// (a helper that describes, a wrapper that ejects).
    /// </summary>
    private static ImmutableArray<HotplugRole> RolesForCallers(HotplugKeys keys, IReadOnlyList<HotplugRole> needs,
        List<HotplugState> exits)
    {
        var roles = ImmutableArray.CreateBuilder<HotplugRole>();
        roles.AddRange(needs);
        if (exits.Count == 0)
        {
            return roles.ToImmutable();
        }

        foreach ((int key, HotplugRole role) in keys.CallerLocks)
        {
            foreach (HotplugRoleKind provider in new[] { HotplugRoleKind.DescribesInJson, HotplugRoleKind.RemovesFromPrimary })
            {
                if (exits.All(state => !state.Lacks(provider, key)))
                {
                    roles.Add(new HotplugRole(provider, role.Lock));
                }
            }
        }

        return roles.ToImmutable();
    }
}
