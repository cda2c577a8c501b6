using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// The hot-plug pass's transfer. It does not interpret operations again: it replays, in
/// evaluation order, the events the lock engine recorded for them (acquisitions, and calls with
/// their held locks and roles), so handles, aliases and summaries mean what they mean to every rule.
/// </summary>
internal sealed class HotplugTransfer : IFlowTransfer<HotplugState, HotplugSink>
{
    private readonly IReadOnlyDictionary<IOperation, List<LockEvent>> _events;
    private readonly HotplugKeys _keys;

    public HotplugTransfer(IReadOnlyDictionary<IOperation, List<LockEvent>> events, HotplugKeys keys)
    {
        _events = events;
        _keys = keys;
    }

    /// <summary>The roles of the member a call event calls: its attributes, trusted; otherwise its summary's.</summary>
    public static ImmutableArray<HotplugRole> RolesOf(LockEvent call) =>
        !call.Contract.HotplugRoles.IsEmpty ? call.Contract.HotplugRoles
        : call.Summary?.HotplugRoles ?? ImmutableArray<HotplugRole>.Empty;

    public void Operation(IOperation operation, BasicBlock block, HotplugState state, HotplugSink sink) =>
        Replay(operation, state, sink);

    public void BranchValue(BasicBlock block, HotplugState state, HotplugSink sink) =>
        Replay(block.BranchValue!, state, sink);

    public (bool Conditional, bool FallThrough) Split(BasicBlock block, HotplugState whenConditional, HotplugState otherwise) =>
        (true, true);

    public void LeaveRegion(ControlFlowRegion region, HotplugState state)
    {
    }

    private void Replay(IOperation operation, HotplugState state, HotplugSink sink)
    {
        // Operands run before the operation that uses them.
        foreach (IOperation child in operation.ChildOperations)
        {
            Replay(child, state, sink);
        }

        if (!_events.TryGetValue(operation, out List<LockEvent>? events))
        {
            return;
        }

        foreach (LockEvent lockEvent in events)
        {
            if (lockEvent.Kind == LockEventKind.Acquire && lockEvent.Acquired is { } acquired)
            {
                state.Acquired(acquired.Index);
            }
            else if (lockEvent.Kind == LockEventKind.Call)
            {
                foreach (HotplugRole role in RolesOf(lockEvent))
                {
                    Apply(lockEvent, role, state, sink);
                }
            }
        }
    }

    private void Apply(LockEvent call, HotplugRole role, HotplugState state, HotplugSink sink)
    {
        // Locks this method took; a lock held on entry ([RequiresLock]) or none is the caller's.
        bool anyOwn = false;
        foreach (HeldLock held in call.Held)
        {
            if (held.Acquisition.IsFromCall && held.Acquisition.Kind is { } kind && role.IsRelevant(kind))
            {
                anyOwn = true;
                if (!role.Needs)
                {
                    state.Provide(role.Kind, held.Acquisition.Index);
                }
                else if (state.Lacks(role.Provider, held.Acquisition.Index))
                {
                    sink.Violation(new HotplugFinding(call, role, held.Acquisition));
                }
            }
        }

        if (anyOwn)
        {
            return;
        }

        int caller = _keys.CallerLock(role);
        if (!role.Needs)
        {
            state.Provide(role.Kind, caller);
        }
        else if (state.Lacks(role.Provider, caller))
        {
            sink.NeedsOfCaller(role);
        }
    }
}
