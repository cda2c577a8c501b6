using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// A call marked <c>[AcquiresInCanonicalOrder]</c> (<c>DomainLock.LockBoth</c>): one acquisition per
/// named lock, all held in the one value it returns; reading that value's handle property named
/// like a lock's parameter (<c>pair.First</c> for <c>first</c>) yields that lock's handle alone.
/// </summary>
internal sealed class CanonicalOrderEffects
{
    private readonly LockAnalysisContext _context;
    private readonly AcquisitionTable _acquisitions;
    private readonly CallPaths _paths;

    public CanonicalOrderEffects(LockAnalysisContext context, AcquisitionTable acquisitions, CallPaths paths)
    {
        _context = context;
        _acquisitions = acquisitions;
        _paths = paths;
    }

    /// <summary>Takes every lock the call names, in the attribute's order; the value holds them all.</summary>
    public HandleValue Acquire(CallSite call, FlowPoint point)
    {
        var taken = ImmutableSortedSet.CreateBuilder<int>();
        for (int effect = 0; effect < call.Contract.Acquires.Length; effect++)
        {
            LockEffect acquire = call.Contract.Acquires[effect];
            LockKind kind = acquire.Kind!;
            LockPath? path = _paths.Resolve(acquire.Target, kind, call);
            Acquisition acquisition = _acquisitions.AtSite(call.Operation, effect, kind, path,
                CallPaths.NameTarget(acquire.Target, kind, path, call), viaSummary: false, hasHandle: true,
                blocks: call.Contract.IsBlocking, canonicalTarget: acquire.Target.Name);
            point.Events.Acquire(call.Operation, acquisition, point);
            point.State.SetStatus(acquisition.Index, LockStatus.Held);
            taken.Add(acquisition.Index);
        }

        return new HandleValue(taken.ToImmutable(), mayBeNull: false);
    }

    /// <summary>
    /// <paramref name="call"/> reads a handle property of a value a canonical-order call returned:
    /// the handles of the locks whose parameter the property is named after; null when it is not such a read.
    /// </summary>
    public HandleValue? Project(CallSite call)
    {
        if (call.Receiver is not { } receiver || call.Callee is not IPropertySymbol { IsIndexer: false } property
            || !_context.IsHandleType(property.Type))
        {
            return null;
        }

        var part = ImmutableSortedSet.CreateBuilder<int>();
        bool fromOrderedCall = false;
        foreach (int index in receiver.Acquisitions)
        {
            if (_acquisitions[index].CanonicalTarget is not { } target)
            {
                continue;
            }

            fromOrderedCall = true;
            if (string.Equals(target, property.Name, StringComparison.OrdinalIgnoreCase))
            {
                part.Add(index);
            }
        }

        return fromOrderedCall ? new HandleValue(part.ToImmutable(), receiver.MayBeNull) : null;
    }
}
