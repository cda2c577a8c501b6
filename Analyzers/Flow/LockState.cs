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
    private LockStatus[] _status;

    // Copy on write: a clone shares the status array until one of them changes it. Most blocks
    // change no lock, and a method with thousands of acquisitions would otherwise copy them per block.
    private bool _statusShared;

    // What each handle variable holds, by its index in the table every clone shares (null: unassigned).
    // Arrays, not a hashed map: a join of two states was an enumeration plus a hash lookup per variable
    // (two thirds of a huge method's time); over arrays it is a loop with a reference check per slot.
    private readonly SlotTable _table;
    private HandleValue?[] _slots;
    private bool _slotsShared;
    private int _slotCount;

    public LockState()
    {
        _status = Array.Empty<LockStatus>();
        _table = new SlotTable();
        _slots = Array.Empty<HandleValue?>();
    }

    private LockState(LockStatus[] status, SlotTable table, HandleValue?[] slots, int slotCount)
    {
        _status = status;
        _table = table;
        _slots = slots;
        _slotCount = slotCount;
    }

    public int Count => _status.Length;

    public IEnumerable<KeyValuePair<object, HandleValue>> Slots
    {
        get
        {
            for (int i = 0; i < _slots.Length; i++)
            {
                if (_slots[i] is { } value)
                {
                    yield return new KeyValuePair<object, HandleValue>(_table.KeyAt(i), value);
                }
            }
        }
    }

    public LockState Clone()
    {
        _statusShared = true;
        _slotsShared = true;
        return new LockState(_status, _table, _slots, _slotCount) { _statusShared = true, _slotsShared = true };
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

    public void SetStatus(int acquisition, LockStatus status)
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

    public HandleValue? Slot(object key) => _table.Find(key) is int index && index < _slots.Length ? _slots[index] : null;

    public void SetSlot(object key, HandleValue? value)
    {
        if (value is null)
        {
            if (_table.Find(key) is int index && index < _slots.Length && _slots[index] is not null)
            {
                WriteSlot(index, null);
            }

            return;
        }

        int at = _table.Add(key);
        HandleValue? current = at < _slots.Length ? _slots[at] : null;
        if (current is null || !current.Equals(value))
        {
            WriteSlot(at, value);
        }
    }

    private void WriteSlot(int index, HandleValue? value)
    {
        if (_slotsShared || index >= _slots.Length)
        {
            var copy = new HandleValue?[Math.Max(_slots.Length, Math.Max(index + 1, _table.Count))];
            Array.Copy(_slots, copy, _slots.Length);
            _slots = copy;
            _slotsShared = false;
        }

        _slotCount += (value is null ? 0 : 1) - (_slots[index] is null ? 0 : 1);
        _slots[index] = value;
    }

    /// <summary>Adds every path of <paramref name="other"/> to this state; true if anything changed.</summary>
    public bool JoinWith(LockState other)
    {
        bool changed = !ReferenceEquals(_status, other._status) && JoinStatus(other._status);
        if (ReferenceEquals(_slots, other._slots))
        {
            return changed;
        }

        if (!ReferenceEquals(_table, other._table))
        {
            return JoinSlotsByKey(other) | changed;
        }

        int length = Math.Max(_slots.Length, other._slots.Length);
        for (int i = 0; i < length; i++)
        {
            changed |= JoinSlot(i, i < _slots.Length ? _slots[i] : null, i < other._slots.Length ? other._slots[i] : null);
        }

        return changed;
    }

    /// <summary>States of two analyses (never joined today): the same join, matched by variable.</summary>
    private bool JoinSlotsByKey(LockState other)
    {
        bool changed = false;
        var mineBefore = new List<KeyValuePair<object, HandleValue>>(Slots);
        foreach (KeyValuePair<object, HandleValue> slot in other.Slots)
        {
            changed |= JoinSlot(_table.Add(slot.Key), Slot(slot.Key), slot.Value);
        }

        foreach (KeyValuePair<object, HandleValue> slot in mineBefore)
        {
            if (other.Slot(slot.Key) is null)
            {
                changed |= JoinSlot(_table.Add(slot.Key), slot.Value, null);
            }
        }

        return changed;
    }

    private bool JoinSlot(int at, HandleValue? mine, HandleValue? theirs)
    {
        if (ReferenceEquals(mine, theirs))
        {
            return false;
        }

        // Unassigned on one side's paths: there it holds nothing.
        HandleValue joined = mine is null ? theirs!.Join(HandleValue.Null)
            : theirs is null ? (mine.MayBeNull ? mine : mine.Join(HandleValue.Null))
            : mine.Join(theirs);
        if (mine is not null && joined.Equals(mine))
        {
            return false;
        }

        WriteSlot(at, joined);
        return true;
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
                SetStatus(i, joined);
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
                SetStatus(i, joined);
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>The statuses by acquisition index; past its end, every acquisition is NotAcquired.</summary>
    public ReadOnlySpan<LockStatus> Statuses => _status;

    public bool Equals(LockState? other)
    {
        if (other is null || _slotCount != other._slotCount)
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

        for (int i = 0; i < _slots.Length; i++)
        {
            if (_slots[i] is { } mine && !mine.Equals(other.Slot(_table.KeyAt(i))))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as LockState);

    public override int GetHashCode()
    {
        int hash = _slotCount;
        for (int i = 0; i < _status.Length; i++)
        {
            if (_status[i] != LockStatus.NotAcquired)
            {
                hash = (hash * 31) + (i * 8) + (int)_status[i];
            }
        }

        return hash;
    }

    /// <summary>
    /// The handle variables of one analysis, numbered as first assigned; shared by every clone of
    /// its entry state. Only the analysis that owns it adds to it, on its one thread.
    /// </summary>
    private sealed class SlotTable
    {
        private readonly Dictionary<object, int> _indices = new Dictionary<object, int>(SlotComparer.Instance);
        private readonly List<object> _keys = new List<object>();

        public int Count => _keys.Count;

        public object KeyAt(int index) => _keys[index];

        public int? Find(object key) => _indices.TryGetValue(key, out int index) ? index : null;

        public int Add(object key)
        {
            if (!_indices.TryGetValue(key, out int index))
            {
                index = _keys.Count;
                _indices.Add(key, index);
                _keys.Add(key);
            }

            return index;
        }
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
