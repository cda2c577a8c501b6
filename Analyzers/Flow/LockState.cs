using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// The lock state at one program point: for every acquisition, the set of states it may be in
/// over all paths reaching the point (not yet taken, held, held with its handle handed on,
/// released), and what each handle variable may hold. Joins are unions, so "held on every
/// path" is a status with only held bits, and "held on some path" any status with one.
/// </summary>
internal sealed class LockState : IFlowState<LockState>
{
    private static readonly ImmutableDictionary<object, HandleValue> s_noSlots =
        ImmutableDictionary.Create<object, HandleValue>(SlotComparer.Instance);

    private LockStatus[] _status;

    // Copy on write: a clone shares the status array until one of them changes it. Most blocks
    // change no lock, and a method with thousands of acquisitions would otherwise copy them per block.
    private bool _statusShared;

    // Persistent, so that copying a state per block costs nothing however many variables it tracks.
    private ImmutableDictionary<object, HandleValue> _slots;

    public LockState()
    {
        _status = Array.Empty<LockStatus>();
        _slots = s_noSlots;
    }

    private LockState(LockStatus[] status, ImmutableDictionary<object, HandleValue> slots, ConditionTable conditions)
    {
        _status = status;
        _slots = slots;
        Conditions = conditions;
    }

    /// <summary>The tracked bools and what each tells of the statuses (the path-sensitive part).</summary>
    public ConditionTable Conditions { get; set; } = ConditionTable.Empty;

    /// <summary>For cheap identity tests: states sharing it have the same statuses.</summary>
    public object StatusArray => _status;

    public int Count => _status.Length;

    public IEnumerable<KeyValuePair<object, HandleValue>> Slots => _slots;

    public LockState Clone()
    {
        _statusShared = true;
        return new LockState(_status, _slots, Conditions) { _statusShared = true };
    }

    public LockStatus StatusOf(int acquisition) => acquisition < _status.Length ? _status[acquisition] : LockStatus.NotAcquired;

    /// <summary>Held on every path here.</summary>
    public bool IsHeld(int acquisition) => (StatusOf(acquisition) & ~LockStatus.AnyHeld) == 0;

    /// <summary>Held on some path here.</summary>
    public bool MayBeHeld(int acquisition) => (StatusOf(acquisition) & LockStatus.AnyHeld) != 0;

    /// <summary>Held on some path here, with this method still responsible for releasing it.</summary>
    public bool MayBeOwned(int acquisition) => (StatusOf(acquisition) & LockStatus.Held) != 0;

    /// <summary>The handle was handed on: on the paths where it is held, it is someone else's to release.</summary>
    public void MarkEscaped(int acquisition)
    {
        LockStatus status = StatusOf(acquisition);
        if ((status & LockStatus.Held) != 0)
        {
            SetStatus(acquisition, (status & ~LockStatus.Held) | LockStatus.Escaped);
        }
    }

    /// <summary>The acquisition did not happen on the paths here.</summary>
    public void MarkNotTaken(int acquisition)
    {
        LockStatus status = StatusOf(acquisition) & ~LockStatus.AnyHeld;
        SetStatus(acquisition, status == LockStatus.None ? LockStatus.NotAcquired : status);
    }

    /// <summary>Sets the status alike on every path here: no tracked bool tells it any more.</summary>
    public void SetStatus(int acquisition, LockStatus status)
    {
        if (!Conditions.IsEmpty)
        {
            Conditions = Conditions.WithoutAcquisition(acquisition);
        }

        WriteStatus(acquisition, status);
    }

    /// <summary>Narrows the status on the paths a branch keeps; the conditions stay as they are.</summary>
    public void RestoreStatus(int acquisition, LockStatus status) => WriteStatus(acquisition, status);

    private void WriteStatus(int acquisition, LockStatus status)
    {
        if (acquisition < _status.Length && _status[acquisition] == status)
        {
            return;
        }

        if (_statusShared)
        {
            _status = (LockStatus[])_status.Clone();
            _statusShared = false;
        }

        if (acquisition >= _status.Length)
        {
            int old = _status.Length;
            Array.Resize(ref _status, Math.Max(acquisition + 1, old * 2));
            for (int i = old; i < _status.Length; i++)
            {
                _status[i] = LockStatus.NotAcquired;
            }
        }

        _status[acquisition] = status;
    }

    public HandleValue? Slot(object key) => _slots.TryGetValue(key, out HandleValue? value) ? value : null;

    public void SetSlot(object key, HandleValue? value)
    {
        _slots = value is null ? _slots.Remove(key) : _slots.SetItem(key, value);
    }

    /// <summary>Adds every path of <paramref name="other"/> to this state; true if anything changed.</summary>
    public bool JoinWith(LockState other)
    {
        // Before the statuses join: a disagreement on a tracked bool records each side's statuses.
        ConditionTable conditions = ConditionTable.Join(Conditions, this, other.Conditions, other);
        bool changed = !conditions.SameAs(Conditions);
        Conditions = conditions;
        changed |= !ReferenceEquals(_status, other._status) && JoinStatus(other._status);
        if (ReferenceEquals(_slots, other._slots))
        {
            return changed;
        }

        ImmutableDictionary<object, HandleValue>.Builder slots = _slots.ToBuilder();
        foreach (KeyValuePair<object, HandleValue> slot in other._slots)
        {
            if (!_slots.TryGetValue(slot.Key, out HandleValue? mine))
            {
                // Unassigned on our paths: there it holds nothing.
                slots[slot.Key] = slot.Value.Join(HandleValue.Null);
                changed = true;
            }
            else
            {
                HandleValue joined = mine.Join(slot.Value);
                if (!joined.Equals(mine))
                {
                    slots[slot.Key] = joined;
                    changed = true;
                }
            }
        }

        List<object>? unassignedThere = null;
        foreach (KeyValuePair<object, HandleValue> slot in _slots)
        {
            if (!other._slots.ContainsKey(slot.Key) && !slot.Value.MayBeNull)
            {
                (unassignedThere ??= new List<object>()).Add(slot.Key);
            }
        }

        if (unassignedThere is not null)
        {
            foreach (object key in unassignedThere)
            {
                slots[key] = _slots[key].Join(HandleValue.Null);
            }

            changed = true;
        }

        _slots = slots.ToImmutable();
        return changed;
    }

    /// <summary>ORs <paramref name="theirs"/> into the statuses; true if any changed.</summary>
    private bool JoinStatus(LockStatus[] theirs)
    {
        bool changed = false;

        // Eight statuses at a time: joins of states over thousands of acquisitions dominated huge methods.
        int words = Math.Min(theirs.Length, _status.Length) / sizeof(ulong);
        ReadOnlySpan<ulong> theirWords = MemoryMarshal.Cast<LockStatus, ulong>(theirs.AsSpan(0, words * sizeof(ulong)));
        Span<ulong> myWords = MemoryMarshal.Cast<LockStatus, ulong>(_status.AsSpan(0, words * sizeof(ulong)));
        for (int w = 0; w < words; w++)
        {
            ulong joined = myWords[w] | theirWords[w];
            if (joined != myWords[w])
            {
                if (_statusShared)
                {
                    _status = (LockStatus[])_status.Clone();
                    _statusShared = false;
                    myWords = MemoryMarshal.Cast<LockStatus, ulong>(_status.AsSpan(0, words * sizeof(ulong)));
                }

                myWords[w] = joined;
                changed = true;
            }
        }

        for (int i = words * sizeof(ulong); i < theirs.Length; i++)
        {
            LockStatus mine = StatusOf(i);
            LockStatus joined = mine | theirs[i];
            if (joined != mine)
            {
                WriteStatus(i, joined);
                changed = true;
            }
        }

        // Beyond their length they are NotAcquired on every path: ours gain that bit.
        for (int i = theirs.Length; i < _status.Length; i++)
        {
            LockStatus mine = _status[i];
            LockStatus joined = mine | LockStatus.NotAcquired;
            if (joined != mine)
            {
                WriteStatus(i, joined);
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>The statuses by acquisition index; past its end, every acquisition is NotAcquired.</summary>
    public ReadOnlySpan<LockStatus> Statuses => _status;

    public bool Equals(LockState? other)
    {
        if (other is null || _slots.Count != other._slots.Count || !Conditions.SameAs(other.Conditions))
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (!ReferenceEquals(_status, other._status))
        {
            int length = Math.Max(_status.Length, other._status.Length);
            for (int i = 0; i < length; i++)
            {
                if (StatusOf(i) != other.StatusOf(i))
                {
                    return false;
                }
            }
        }

        if (ReferenceEquals(_slots, other._slots))
        {
            return true;
        }

        foreach (KeyValuePair<object, HandleValue> slot in _slots)
        {
            if (!other._slots.TryGetValue(slot.Key, out HandleValue? value) || !value.Equals(slot.Value))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as LockState);

    public override int GetHashCode()
    {
        int hash = (_slots.Count * 7) + Conditions.Hash();
        for (int i = 0; i < _status.Length; i++)
        {
            if (_status[i] != LockStatus.NotAcquired)
            {
                hash = (hash * 31) + (i * 8) + (int)_status[i];
            }
        }

        return hash;
    }

    /// <summary>Handle variables are locals and flow captures; locals compare as symbols.</summary>
    private sealed class SlotComparer : IEqualityComparer<object>
    {
        public static readonly SlotComparer Instance = new SlotComparer();

        public new bool Equals(object? x, object? y) =>
            x is ISymbol a && y is ISymbol b ? SymbolEqualityComparer.Default.Equals(a, b) : object.Equals(x, y);

        public int GetHashCode(object obj) =>
            obj is ISymbol symbol ? SymbolEqualityComparer.Default.GetHashCode(symbol) : obj.GetHashCode();
    }
}
