using System;
using System.Collections.Generic;
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
    // Copied per block, written in few: both arrays share their chunks with the state they were cloned from.
    private static readonly ChunkedArray<LockStatus>.ChunkTest s_orChanges = OrChanges;
    private static readonly ChunkedArray<LockStatus>.ChunkJoin s_or = Or;
    private static readonly Func<LockStatus, int> s_statusHash = status => status == LockStatus.NotAcquired ? 0 : (int)status;

    private readonly ChunkedArray<LockStatus> _status;

    // What each handle variable holds, by its index in the table every clone shares (null: unassigned).
    // Arrays, not a hashed map: a join of two states was an enumeration plus a hash lookup per variable
    // (two thirds of a huge method's time); over arrays it is a loop with a reference check per chunk.
    private readonly SlotTable _table;
    private readonly ChunkedArray<HandleValue?> _slots;
    private int _slotCount;

    public LockState()
    {
        _status = new ChunkedArray<LockStatus>(LockStatus.NotAcquired);
        _table = new SlotTable();
        _slots = new ChunkedArray<HandleValue?>(null);
    }

    private LockState(ChunkedArray<LockStatus> status, SlotTable table, ChunkedArray<HandleValue?> slots, int slotCount)
    {
        _status = status;
        _table = table;
        _slots = slots;
        _slotCount = slotCount;
    }

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

    /// <summary>The tracked bools and what each tells of the statuses (the path-sensitive part).</summary>
    public ConditionTable Conditions { get; set; } = ConditionTable.Empty;

    /// <summary>How far the statuses are stored; beyond it every acquisition is NotAcquired.</summary>
    public int StatusLength => _status.Length;

    public LockState Clone() => new LockState(_status.Clone(), _table, _slots.Clone(), _slotCount) { Conditions = Conditions };

    /// <summary>Whether both states share every status (a cheap test: they are then equal).</summary>
    public bool SharesStatusesWith(LockState other) => _status.SharesAllWith(other._status);

    /// <summary>Whether both states share the statuses of <paramref name="acquisition"/>'s chunk.</summary>
    public bool SharesStatusChunkWith(LockState other, int acquisition) => _status.SharesChunkWith(other._status, acquisition);

    public LockStatus StatusOf(int acquisition) => _status[acquisition];

    /// <summary>Held on every path here.</summary>
    public bool IsHeld(int acquisition) => (StatusOf(acquisition) & ~LockStatus.AnyHeld) == 0;

    /// <summary>Held on some path here.</summary>
    public bool MayBeHeld(int acquisition) => (StatusOf(acquisition) & LockStatus.AnyHeld) != 0;

    /// <summary>Held on some path here, with this method still responsible for releasing it.</summary>
    public bool MayBeOwned(int acquisition) => (StatusOf(acquisition) & LockStatus.Held) != 0;

    /// <summary>The acquisitions below <paramref name="count"/> that may be held here, in order.</summary>
    public IEnumerable<int> MayBeHeldBelow(int count)
    {
        for (int index = 0; index < count; index++)
        {
            if (!ChunkMayHoldAny(index))
            {
                // No acquisition of the chunk may be held here (most, in a huge method, are released): skip it.
                index = ChunkedArray<LockStatus>.ChunkEnd(index) - 1;
            }
            else if (MayBeHeld(index))
            {
                yield return index;
            }
        }
    }

    // Eight statuses a word: the scan runs at every recorded event, over every acquisition of the method.
    private bool ChunkMayHoldAny(int index)
    {
        const ulong anyHeld = (ulong)LockStatus.AnyHeld * 0x0101010101010101UL;
        foreach (ulong word in MemoryMarshal.Cast<LockStatus, ulong>(_status.ChunkItems(index)))
        {
            if ((word & anyHeld) != 0)
            {
                return true;
            }
        }

        return false;
    }

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

        RestoreStatus(acquisition, status);
    }

    /// <summary>Narrows the status on the paths a branch keeps; the conditions stay as they are.</summary>
    public void RestoreStatus(int acquisition, LockStatus status)
    {
        if (_status[acquisition] != status)
        {
            _status.Set(acquisition, status);
        }
    }

    public HandleValue? Slot(object key) => _table.Find(key) is int index ? _slots[index] : null;

    public void SetSlot(object key, HandleValue? value)
    {
        if (value is null)
        {
            if (_table.Find(key) is int index && _slots[index] is not null)
            {
                WriteSlot(index, null);
            }

            return;
        }

        int at = _table.Add(key);
        HandleValue? current = _slots[at];
        if (current is null || !current.Equals(value))
        {
            WriteSlot(at, value);
        }
    }

    private void WriteSlot(int index, HandleValue? value)
    {
        _slotCount += (value is null ? 0 : 1) - (_slots[index] is null ? 0 : 1);
        _slots.Set(index, value);
    }

    /// <summary>Adds every path of <paramref name="other"/> to this state; true if anything changed.</summary>
    public bool JoinWith(LockState other)
    {
        // Before the statuses join: a disagreement on a tracked bool records each side's statuses.
        ConditionTable conditions = ConditionTable.Join(Conditions, this, other.Conditions, other);
        bool changed = !conditions.SameAs(Conditions);
        Conditions = conditions;
        changed |= JoinStatus(other._status);
        if (_slots.SharesAllWith(other._slots))
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
            if (_slots.SharesChunkWith(other._slots, i))
            {
                i = ChunkedArray<HandleValue?>.ChunkEnd(i) - 1;
                continue;
            }

            changed |= JoinSlot(i, _slots[i], other._slots[i]);
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

    /// <summary>ORs <paramref name="theirs"/> into the statuses (past an array's end, NotAcquired); true if any changed.</summary>
    private bool JoinStatus(ChunkedArray<LockStatus> theirs) => _status.JoinWith(theirs, s_orChanges, s_or);

    // Eight statuses at a time: joins of states over thousands of acquisitions dominated huge methods.
    private static bool OrChanges(ReadOnlySpan<LockStatus> mine, ReadOnlySpan<LockStatus> theirs)
    {
        ReadOnlySpan<ulong> myWords = MemoryMarshal.Cast<LockStatus, ulong>(mine);
        ReadOnlySpan<ulong> theirWords = MemoryMarshal.Cast<LockStatus, ulong>(theirs);
        for (int w = 0; w < myWords.Length; w++)
        {
            if ((myWords[w] | theirWords[w]) != myWords[w])
            {
                return true;
            }
        }

        return false;
    }

    private static void Or(Span<LockStatus> mine, ReadOnlySpan<LockStatus> theirs)
    {
        Span<ulong> myWords = MemoryMarshal.Cast<LockStatus, ulong>(mine);
        ReadOnlySpan<ulong> theirWords = MemoryMarshal.Cast<LockStatus, ulong>(theirs);
        for (int w = 0; w < myWords.Length; w++)
        {
            myWords[w] |= theirWords[w];
        }
    }

    public bool Equals(LockState? other)
    {
        if (other is null || _slotCount != other._slotCount || !Conditions.SameAs(other.Conditions))
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        int length = Math.Max(_status.Length, other._status.Length);
        for (int i = 0; i < length; i++)
        {
            if (_status.SharesChunkWith(other._status, i))
            {
                i = ChunkedArray<LockStatus>.ChunkEnd(i) - 1;
            }
            else if (_status[i] != other._status[i])
            {
                return false;
            }
        }

        if (_slots.SharesAllWith(other._slots))
        {
            return true;
        }

        // Equal counts: every variable of ours holding the same there means the same variables.
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

    public override int GetHashCode() => (((_slotCount * 31) + _status.ContentHash(s_statusHash)) * 7) + Conditions.Hash();

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
