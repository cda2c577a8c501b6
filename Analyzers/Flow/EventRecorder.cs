using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Toolstack.Analyzers.Flow;

/// <summary>The sink of the recording pass: every event, with the locks held just before it.</summary>
internal sealed class EventRecorder : EventSink
{
    private readonly List<LockEvent> _events = new List<LockEvent>();
    private readonly AcquisitionTable _acquisitions;
    private readonly CallPaths _calls;

    public EventRecorder(AcquisitionTable acquisitions, CallPaths calls)
    {
        _acquisitions = acquisitions;
        _calls = calls;
    }

    public ImmutableArray<LockEvent> ToImmutableArray() => _events.ToImmutableArray();

    public override void Await(IOperation awaiting, FlowPoint point) =>
        _events.Add(Event(LockEventKind.Await, awaiting, point));

    public override void PlainCall(CallSite call, FlowPoint point)
    {
        // Calls and indexers; a plain property read cannot be what throws between acquire and release.
        if ((call.Operation is not IPropertyReferenceOperation || call.Callee is IPropertySymbol { IsIndexer: true })
            && _acquisitions.AnyMayBeHeld(point.State))
        {
            _events.Add(Event(LockEventKind.Call, call.Operation, point) with { Callee = call.Callee });
        }
    }

    public override void Call(CallSite call, FlowPoint point) =>
        _events.Add(Event(LockEventKind.Call, call.Operation, point) with
        {
            Callee = call.Callee,
            Contract = call.Contract,
            Summary = call.Summary,
            Required = _calls.ResolveRequired(call),
            TakenThrough = _calls.RebaseTakes(call),
        });

    public override void Acquire(IOperation site, Acquisition acquisition, FlowPoint point) =>
        _events.Add(Event(LockEventKind.Acquire, site, point) with { Acquired = acquisition });

    public override void Release(IOperation operation, ImmutableSortedSet<int> acquisitions, Releaser releaser, FlowPoint point) =>
        _events.Add(Event(LockEventKind.Release, operation, point) with
        {
            Targets = _acquisitions.Targets(acquisitions, point.State),
            Releaser = releaser,
        });

    public override void GuardedAccess(IOperation access, ISymbol member, RequiredLock required, FlowPoint point) =>
        _events.Add(Event(LockEventKind.GuardedAccess, access, point) with
        {
            Callee = member,
            Required = ImmutableArray.Create(required),
        });

    private LockEvent Event(LockEventKind kind, IOperation operation, FlowPoint point) =>
        new LockEvent(kind, operation, _acquisitions.Snapshot(point.State), point.Region)
        {
            HeldWhen = ConditionalHold.Of(point.State, _acquisitions),
        };
}
