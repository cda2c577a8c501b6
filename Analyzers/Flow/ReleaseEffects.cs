using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// The releases of one call: through a lock with a handle argument, by disposing the handle
/// itself, or by lock path (a wrapper that releases a lock it names).
/// </summary>
internal sealed class ReleaseEffects
{
    private readonly LockAnalysisContext _context;
    private readonly AcquisitionTable _acquisitions;
    private readonly CallPaths _paths;

    public ReleaseEffects(LockAnalysisContext context, AcquisitionTable acquisitions, CallPaths paths)
    {
        _context = context;
        _acquisitions = acquisitions;
        _paths = paths;
    }

    /// <summary>Applies the call's releases; which arguments were handles it consumed (the rest escape).</summary>
    public bool[] Apply(CallSite call, FlowPoint point)
    {
        var consumed = new bool[call.ArgumentValues.Length];
        foreach (LockEffect release in call.Contract.Releases)
        {
            ByContract(call, release, consumed, point);
        }

        if (call.Contract.Releases.IsEmpty && call.Summary is not null)
        {
            foreach (SummaryRelease release in call.Summary.Releases)
            {
                BySummary(call, release, consumed, point);
            }
        }

        return consumed;
    }

    private void ByContract(CallSite call, LockEffect release, bool[] consumed, FlowPoint point)
    {
        if (release.Kind is null)
        {
            // [ReleasesLock] on the handle itself: the receiver is the handle released.
            if (call.Receiver is not null)
            {
                Release(call, call.Receiver.Acquisitions, Releaser.Handle, point);
            }

            return;
        }

        LockPath? path = _paths.Resolve(release.Target, release.Kind, call);
        LockName name = CallPaths.NameTarget(release.Target, release.Kind, path, call);
        int handleArgument = HandleArgument(call);
        if (handleArgument >= 0)
        {
            consumed[handleArgument] = true;
            HandleValue? handle = call.ArgumentValues[handleArgument];
            Release(call, handle?.Acquisitions ?? ImmutableSortedSet<int>.Empty,
                new Releaser(release.Kind, path, name, ByHandle: true), point);
            return;
        }

        // A wrapper that releases a lock it names (entering a monitor releases the domain's lock).
        Release(call, _acquisitions.HeldMatching(release.Kind, path, point.State),
            new Releaser(release.Kind, path, name, ByHandle: false), point);
    }

    private void BySummary(CallSite call, SummaryRelease release, bool[] consumed, FlowPoint point)
    {
        LockPath? path = _paths.Rebase(release.Path, call);
        LockName? name = release.Kind is null ? null : LockName.For(release.Kind, path, new LockName.OfHelper(release.Kind, call.Callee));
        if (release.HandleParameter is int ordinal)
        {
            for (int i = 0; i < call.Arguments.Length; i++)
            {
                if (call.Arguments[i].Parameter?.Ordinal == ordinal)
                {
                    consumed[i] = true;
                    if (call.ArgumentValues[i] is { } handle)
                    {
                        Release(call, handle.Acquisitions,
                            new Releaser(release.ThroughLock ? release.Kind : null, path, name, ByHandle: true), point);
                    }
                }
            }

            return;
        }

        if (release.Kind is not null)
        {
            Release(call, _acquisitions.HeldMatching(release.Kind, path, point.State),
                new Releaser(release.Kind, path, name, ByHandle: false), point);
        }
    }

    private void Release(CallSite call, ImmutableSortedSet<int> acquisitions, Releaser releaser, FlowPoint point)
    {
        point.Events.Release(call.Operation, acquisitions, releaser, point);
        foreach (int index in acquisitions)
        {
            // Through the wrong lock the release throws and the lock stays held (TSL1003 says so);
            // it is no longer this method's to leak, nor is a later right release a second one.
            if (releaser.IsWrongFor(_acquisitions[index]))
            {
                _acquisitions.Escape(index, point.State);
            }
            else
            {
                point.State.SetStatus(index, LockStatus.Released);
            }
        }
    }

    private int HandleArgument(CallSite call)
    {
        for (int i = 0; i < call.Arguments.Length; i++)
        {
            if (call.ArgumentValues[i] is not null
                || (call.Arguments[i].Parameter is { } parameter && _context.IsHandleType(parameter.Type)))
            {
                return i;
            }
        }

        return -1;
    }
}
