using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// A method's acquisitions, each with its slot in the lock states, and which of them escaped:
/// the table the transfer adds to and the rules read.
/// </summary>
internal sealed class AcquisitionTable
{
    private readonly List<Acquisition> _all = new List<Acquisition>();
    private readonly Dictionary<(IOperation Site, int Effect), Acquisition> _bySite =
        new Dictionary<(IOperation, int), Acquisition>();
    private readonly Dictionary<IParameterSymbol, Acquisition> _handleParameters =
        new Dictionary<IParameterSymbol, Acquisition>(SymbolEqualityComparer.Default);
    private readonly HashSet<int> _escaped = new HashSet<int>();
    private readonly HashSet<int> _returned = new HashSet<int>();

    public Acquisition this[int index] => _all[index];

    public ImmutableArray<Acquisition> ToImmutableArray() => _all.ToImmutableArray();

    /// <summary>Acquisitions whose handle was returned, stored outside the method, or passed on.</summary>
    public ImmutableHashSet<int> Escaped => _escaped.ToImmutableHashSet();

    public ImmutableHashSet<int> Returned => _returned.ToImmutableHashSet();

    /// <summary>A lock held on entry: <c>[RequiresLock]</c> on the method.</summary>
    public Acquisition AddRequired(LockKind kind, LockPath? path, LockName name, Location where) =>
        Add(new Acquisition(_all.Count, AcquisitionOrigin.Required, kind, path, name, Site: null, where));

    /// <summary>A handle passed in: a lock of unknown origin.</summary>
    public Acquisition AddHandleParameter(IParameterSymbol parameter, Location where)
    {
        Acquisition acquisition = Add(new Acquisition(_all.Count, AcquisitionOrigin.Parameter, Kind: null, Path: null,
            new LockName.OfHandleParameter(parameter), Site: null, where, parameter));
        _handleParameters[parameter] = acquisition;
        return acquisition;
    }

    public Acquisition? HandleParameter(IParameterSymbol parameter) =>
        _handleParameters.TryGetValue(parameter, out Acquisition? acquisition) ? acquisition : null;

    /// <summary>The acquisition already made for effect <paramref name="effect"/> of a call, if the solver passed it before.</summary>
    public Acquisition? Existing(IOperation site, int effect) =>
        _bySite.TryGetValue((site, effect), out Acquisition? acquisition) ? acquisition : null;

    /// <summary>The acquisition of effect <paramref name="effect"/> of a call: one per site however often the solver passes it.</summary>
    public Acquisition AtSite(IOperation site, int effect, LockKind kind, LockPath? path, LockName name,
        bool viaSummary, bool hasHandle, bool blocks, string? canonicalTarget = null)
    {
        if (!_bySite.TryGetValue((site, effect), out Acquisition? acquisition))
        {
            acquisition = Add(new Acquisition(_all.Count, AcquisitionOrigin.Call, kind, path, name, site,
                site.Syntax.GetLocation(), Parameter: null, viaSummary, hasHandle, blocks, canonicalTarget));
            _bySite[(site, effect)] = acquisition;
        }

        return acquisition;
    }

    /// <summary>The handles in <paramref name="value"/> were handed on: they are no longer this method's to release.</summary>
    public void Escape(HandleValue? value, LockState state)
    {
        if (value is null)
        {
            return;
        }

        foreach (int acquisition in value.Acquisitions)
        {
            Escape(acquisition, state);
        }
    }

    public void Escape(int acquisition, LockState state)
    {
        _escaped.Add(acquisition);
        state.MarkEscaped(acquisition);
    }

    public void Return(HandleValue value)
    {
        foreach (int acquisition in value.Acquisitions)
        {
            _returned.Add(acquisition);
        }
    }

    /// <summary>Some lock (not a handle of unknown origin) may be held in <paramref name="state"/>.</summary>
    public bool AnyMayBeHeld(LockState state)
    {
        foreach (int index in state.MayBeHeldBelow(_all.Count))
        {
            if (_all[index].Kind is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A wrapper that re-takes a lock it names, without a handle (leaving a monitor), re-takes the
    /// acquisition a release by path gave up: the caller's handle is live again.
    /// </summary>
    public Acquisition? ReleasedEarlier(LockKind kind, LockPath? path, LockState state)
    {
        for (int index = _all.Count - 1; index >= 0; index--)
        {
            Acquisition acquisition = _all[index];
            if (acquisition.Kind is { } held && SameLock.Certainly(held, acquisition.Path, kind, path)
                && state.StatusOf(index) == LockStatus.Released)
            {
                return acquisition;
            }
        }

        return null;
    }

    /// <summary>
    /// The acquisition a release by lock path means: the latest held one of that lock; failing
    /// that, one already released for certain (so a second release can be reported).
    /// </summary>
    public ImmutableSortedSet<int> HeldMatching(LockKind kind, LockPath? path, LockState state)
    {
        int released = -1;
        for (int index = _all.Count - 1; index >= 0; index--)
        {
            if (!_all[index].MayBe(kind, path))
            {
                continue;
            }

            if (state.MayBeHeld(index))
            {
                return ImmutableSortedSet.Create(index);
            }

            if (released < 0 && state.StatusOf(index) == LockStatus.Released)
            {
                released = index;
            }
        }

        return released < 0 ? ImmutableSortedSet<int>.Empty : ImmutableSortedSet.Create(released);
    }

    /// <summary>Every lock that may be held in <paramref name="state"/>, and whether on every path.</summary>
    public ImmutableArray<HeldLock> Snapshot(LockState state)
    {
        var held = ImmutableArray.CreateBuilder<HeldLock>();

        // Runs at every event: the state skips the chunks of acquisitions never taken on any path here.
        foreach (int index in state.MayBeHeldBelow(_all.Count))
        {
            held.Add(new HeldLock(_all[index], state.IsHeld(index)));
        }

        return held.ToImmutable();
    }

    public ImmutableArray<ReleaseTarget> Targets(ImmutableSortedSet<int> acquisitions, LockState state)
    {
        var targets = ImmutableArray.CreateBuilder<ReleaseTarget>(acquisitions.Count);
        foreach (int index in acquisitions)
        {
            targets.Add(new ReleaseTarget(_all[index], state.StatusOf(index)));
        }

        return targets.MoveToImmutable();
    }

    private Acquisition Add(Acquisition acquisition)
    {
        _all.Add(acquisition);
        return acquisition;
    }
}
