using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// What a call does to the lock state: the releases and acquisitions its attributes declare, or,
/// for a member of this compilation, its summary's; handles passed to it escape.
/// </summary>
internal sealed class CallEffects
{
    private readonly LockAnalysisContext _context;
    private readonly ISummarySource _summaries;
    private readonly AcquisitionTable _acquisitions;
    private readonly CallPaths _paths;
    private readonly ReleaseEffects _releases;
    private readonly TryAcquireEffects _tries;
    private readonly CanonicalOrderEffects _canonical;

    public CallEffects(LockAnalysisContext context, ISummarySource summaries, AcquisitionTable acquisitions, CallPaths paths)
    {
        _context = context;
        _summaries = summaries;
        _acquisitions = acquisitions;
        _paths = paths;
        _releases = new ReleaseEffects(context, acquisitions, paths);
        _tries = new TryAcquireEffects(context, acquisitions, paths);
        Bcl = new BclLockEffects(context, acquisitions, paths.Paths);
        _canonical = new CanonicalOrderEffects(context, acquisitions, paths);
    }

    /// <summary>The BCL lock primitives' effects (<c>lock</c>, <c>Monitor</c>, <c>Lock</c>, a marked <c>SemaphoreSlim</c>).</summary>
    public BclLockEffects Bcl { get; }

    /// <summary>Applies <paramref name="call"/> to the state; the handle it yields, if any.</summary>
    public HandleValue? Apply(CallSite call, FlowPoint point)
    {
        call = WithContractAndSummary(call);
        if (Bcl.TryApply(call, point, out HandleValue? primitive))
        {
            return primitive;
        }

        if (call.Contract.IsEmpty && (call.Summary is null || call.Summary.IsInert))
        {
            if (call.Receiver is not null && IsPassThrough(call))
            {
                return call.Receiver;
            }

            if (_canonical.Project(call) is { } handle)
            {
                return handle;
            }

            point.Events.PlainCall(call, point);
            foreach (HandleValue? value in call.ArgumentValues)
            {
                _acquisitions.Escape(value, point.State);
            }

            return null;
        }

        point.Events.Call(call, point);
        bool[] consumed = _releases.Apply(call, point);
        for (int i = 0; i < call.ArgumentValues.Length; i++)
        {
            if (!consumed[i])
            {
                _acquisitions.Escape(call.ArgumentValues[i], point.State);
            }
        }

        if (call.Contract.AcquiresInCanonicalOrder)
        {
            return _canonical.Acquire(call, point);
        }

        if (!call.Contract.TryAcquires.IsEmpty)
        {
            _tries.Apply(call, point);
        }

        return call.Contract.Acquires.IsEmpty
            ? call.Contract.TryAcquires.IsEmpty ? AcquireBySummary(call, point) : null
            : AcquireByContract(call, point);
    }

    private CallSite WithContractAndSummary(CallSite call)
    {
        ISymbol callee = call.Callee;
        MemberContract contract = ContractOf(call);

        // A property access runs its getter, or its setter when assigned: that body counts as a call's.
        IMethodSymbol? body = CallGraph.BodyOf(call.Operation, callee);

        // Attributes may sit on the accessor a property access runs rather than on the property.
        if (contract.IsEmpty && callee is IPropertySymbol && body is not null)
        {
            contract = _context.Model.GetContract(body);
        }

        // A lock type's own members are what their attributes say; their bodies are the mechanism.
        MethodSummary? summary = body is null ? null : _summaries.SummaryOf(body);
        return call with { Contract = contract, Summary = summary };
    }

    private HandleValue? AcquireByContract(CallSite call, FlowPoint point)
    {
        HandleValue? result = null;
        for (int effect = 0; effect < call.Contract.Acquires.Length; effect++)
        {
            LockEffect acquire = call.Contract.Acquires[effect];
            LockKind kind = acquire.Kind!;
            LockPath? path = _paths.Resolve(acquire.Target, kind, call);
            bool returnsHandle = effect == 0 && ReturnsHandle(call.Callee);
            Acquisition acquisition = !returnsHandle && _acquisitions.ReleasedEarlier(kind, path, point.State) is { } retaken
                ? Take(call, retaken, point)
                : Take(call, _acquisitions.Existing(call.Operation, effect) ?? _acquisitions.AtSite(call.Operation, effect, kind, path,
                    CallPaths.NameTarget(acquire.Target, kind, path, call), viaSummary: false, returnsHandle,
                    blocks: call.Contract.IsBlocking), point);
            if (returnsHandle)
            {
                result = HandleValue.Of(acquisition.Index);
            }
        }

        return result;
    }

    private HandleValue? AcquireBySummary(CallSite call, FlowPoint point)
    {
        if (call.Summary is null)
        {
            return null;
        }

        HandleValue? result = null;
        for (int effect = 0; effect < call.Summary.Acquires.Length; effect++)
        {
            SummaryAcquire acquire = call.Summary.Acquires[effect];
            LockPath? path = _paths.Rebase(acquire.Path, call);
            Acquisition acquisition = Take(call, _acquisitions.AtSite(call.Operation, effect, acquire.Kind, path,
                LockName.For(acquire.Kind, path, new LockName.OfHelper(acquire.Kind, call.Callee)),
                viaSummary: true, acquire.ReturnsHandle, blocks: call.Summary.IsBlocking, acquire.CanonicalTarget), point);
            if (acquire.ReturnsHandle)
            {
                // A returned canonical-order value holds several handles: the helper's result is all of them.
                result = result is not null && acquire.CanonicalTarget is not null
                    ? result.Join(HandleValue.Of(acquisition.Index))
                    : HandleValue.Of(acquisition.Index);
            }
        }

        return result;
    }

    /// <summary>The acquisition is held from here on (a re-take makes the caller's earlier handle live again).</summary>
    private static Acquisition Take(CallSite call, Acquisition acquisition, FlowPoint point)
    {
        point.Events.Acquire(call.Operation, acquisition, point);
        point.State.SetStatus(acquisition.Index, LockStatus.Held);
        return acquisition;
    }

    private MemberContract ContractOf(CallSite call)
    {
        MemberContract contract = _context.Model.GetContract(call.Callee);
        if (contract.IsEmpty && call.Instance is not null && call.Callee.ContainingType?.TypeKind == TypeKind.Interface
            && LockPaths.Unwrap(call.Instance).Type is { } receiverType
            && receiverType.FindImplementationForInterfaceMember(call.Callee) is { } implementation)
        {
            contract = _context.Model.GetContract(implementation);
        }

        return contract;
    }

    /// <summary><c>ConfigureAwait</c> on an acquisition's task still yields its handle.</summary>
    private bool IsPassThrough(CallSite call) =>
        call.Instance is not null && call.Callee is IMethodSymbol method
        && _context.PassThroughMethods.Contains(method.OriginalDefinition);

    private bool ReturnsHandle(ISymbol callee)
    {
        ITypeSymbol? type = callee switch
        {
            IMethodSymbol method => method.ReturnType,
            IPropertySymbol property => property.Type,
            _ => null,
        };

        if (type is null)
        {
            return false;
        }

        if (_context.IsHandleType(type))
        {
            return true;
        }

        // Task<LockHandle>, ValueTask<LockHandle>: the handle is what the await yields.
        return type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } generic
            && _context.IsHandleType(generic.TypeArguments[0]);
    }
}
