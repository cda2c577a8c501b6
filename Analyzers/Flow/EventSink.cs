using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// Where the transfer reports what the rules care about. The solver reaches its fixed point
/// with <see cref="Silent"/>, and exceptional paths through finally regions always use it; one
/// last pass over the final states goes to an <see cref="EventRecorder"/>.
/// </summary>
internal abstract class EventSink
{
    /// <summary>Records nothing and computes nothing for it.</summary>
    public static EventSink Silent { get; } = new SilentSink();

    public abstract void Await(IOperation awaiting, FlowPoint point);

    /// <summary>A call the model says nothing about: still a point where an exception may leave a lock held.</summary>
    public abstract void PlainCall(CallSite call, FlowPoint point);

    /// <summary>A call the model or the callee's summary says something about.</summary>
    public abstract void Call(CallSite call, FlowPoint point);

    public abstract void Acquire(IOperation site, Acquisition acquisition, FlowPoint point);

    public abstract void Release(IOperation operation, ImmutableSortedSet<int> acquisitions, Releaser releaser, FlowPoint point);

    /// <summary>A read or write of a <c>[GuardedBy]</c> member, which needs <paramref name="required"/> held.</summary>
    public abstract void GuardedAccess(IOperation access, ISymbol member, RequiredLock required, FlowPoint point);

    private sealed class SilentSink : EventSink
    {
        public override void Await(IOperation awaiting, FlowPoint point)
        {
        }

        public override void PlainCall(CallSite call, FlowPoint point)
        {
        }

        public override void Call(CallSite call, FlowPoint point)
        {
        }

        public override void Acquire(IOperation site, Acquisition acquisition, FlowPoint point)
        {
        }

        public override void Release(IOperation operation, ImmutableSortedSet<int> acquisitions, Releaser releaser, FlowPoint point)
        {
        }

        public override void GuardedAccess(IOperation access, ISymbol member, RequiredLock required, FlowPoint point)
        {
        }
    }
}
