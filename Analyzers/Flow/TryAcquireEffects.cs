using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// A <c>[TryAcquiresLock]</c> call (<c>x.TryLock(out h)</c>): the lock may be held after it, and
/// the call's result says whether: a condition keyed by the invocation correlates the two, until
/// a branch consumes it or a bool stores it (<see cref="ConditionRefinement"/>,
/// <see cref="ConditionAssignments"/>). The <c>out</c> handle holds the acquisition, or null.
/// </summary>
internal sealed class TryAcquireEffects
{
    private readonly LockAnalysisContext _context;
    private readonly AcquisitionTable _acquisitions;
    private readonly CallPaths _paths;

    public TryAcquireEffects(LockAnalysisContext context, AcquisitionTable acquisitions, CallPaths paths)
    {
        _context = context;
        _acquisitions = acquisitions;
        _paths = paths;
    }

    public void Apply(CallSite call, FlowPoint point)
    {
        // Indexed after the plain acquisitions of the same call, so the two never share a slot.
        int firstEffect = call.Contract.Acquires.Length;
        ImmutableDictionary<int, StatusPair>.Builder pairs = ImmutableDictionary.CreateBuilder<int, StatusPair>();
        ILocalSymbol? outHandle = OutHandle(call);
        for (int effect = 0; effect < call.Contract.TryAcquires.Length; effect++)
        {
            LockEffect acquire = call.Contract.TryAcquires[effect];
            LockKind kind = acquire.Kind!;
            LockPath? path = _paths.Resolve(acquire.Target, kind, call);
            bool hasHandle = effect == 0 && outHandle is not null;
            Acquisition acquisition = _acquisitions.AtSite(call.Operation, firstEffect + effect, kind, path,
                CallPaths.NameTarget(acquire.Target, kind, path, call), viaSummary: false, hasHandle, blocks: call.Contract.IsBlocking);
            point.Events.Acquire(call.Operation, acquisition, point);
            point.State.SetStatus(acquisition.Index, LockStatus.Held | LockStatus.NotAcquired);
            pairs[acquisition.Index] = new StatusPair(LockStatus.Held, LockStatus.NotAcquired);
            if (hasHandle)
            {
                // Null when it fails: a null test of the handle narrows like the result does.
                point.State.SetSlot(outHandle!, new HandleValue(ImmutableSortedSet.Create(acquisition.Index), mayBeNull: true));
            }
        }

        point.State.Conditions = point.State.Conditions.With(call.Operation,
            BoolCondition.Correlated(ConditionRefinement.LabelOf(call.Operation), pairs.ToImmutable()));
    }

    /// <summary>The local an <c>out LockHandle</c> argument writes, if any.</summary>
    private ILocalSymbol? OutHandle(CallSite call)
    {
        foreach (IArgumentOperation argument in call.Arguments)
        {
            if (argument.Parameter is { RefKind: RefKind.Out } parameter && _context.IsHandleType(parameter.Type))
            {
                IOperation value = argument.Value is IDeclarationExpressionOperation declaration ? declaration.Expression : argument.Value;
                if (value is ILocalReferenceOperation local)
                {
                    return local.Local;
                }
            }
        }

        return null;
    }
}
