using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// The tracked <c>bool</c>s of one program point, each with its <see cref="BoolCondition"/>: the
/// path-sensitive part of a <see cref="LockState"/>. Keys are locals and parameters (symbols),
/// flow captures, and a try-lock's invocation until its result is stored or branched on.
/// Persistent: states share it until one of them changes it.
/// </summary>
internal sealed class ConditionTable
{
    /// <summary>
    /// At most this many conditions per point: beyond it a new one is not tracked, and its paths
    /// join as they did without correlation (the analysis stays linear in the method's size).
    /// </summary>
    public const int MaxConditions = 8;

    public static readonly ConditionTable Empty = new ConditionTable(ImmutableDictionary.Create<object, BoolCondition>(KeyComparer.Instance));

    private readonly ImmutableDictionary<object, BoolCondition> _conditions;

    private ConditionTable(ImmutableDictionary<object, BoolCondition> conditions)
    {
        _conditions = conditions;
    }

    public bool IsEmpty => _conditions.Count == 0;

    public IEnumerable<KeyValuePair<object, BoolCondition>> All => _conditions;

    public BoolCondition? Find(object key) => _conditions.TryGetValue(key, out BoolCondition? condition) ? condition : null;

    /// <summary>This table with <paramref name="key"/> set; unchanged when a new key would pass the bound.</summary>
    public ConditionTable With(object key, BoolCondition condition) =>
        _conditions.Count >= MaxConditions && !_conditions.ContainsKey(key) ? this : new ConditionTable(_conditions.SetItem(key, condition));

    public ConditionTable Without(object key) => _conditions.ContainsKey(key) ? new ConditionTable(_conditions.Remove(key)) : this;

    /// <summary>Keys that live only until the end of the operation that made them: a try-lock's result nobody kept.</summary>
    public ConditionTable WithoutTransient()
    {
        ConditionTable table = this;
        foreach (object key in _conditions.Keys)
        {
            if (key is IOperation)
            {
                table = table.Without(key);
            }
        }

        return table;
    }

    /// <summary>An acquisition's status was set alike on every path: no condition tells it any more.</summary>
    public ConditionTable WithoutAcquisition(int acquisition)
    {
        ImmutableDictionary<object, BoolCondition> conditions = _conditions;
        foreach (KeyValuePair<object, BoolCondition> entry in _conditions)
        {
            if (entry.Value.Pairs.ContainsKey(acquisition))
            {
                conditions = conditions.SetItem(entry.Key, entry.Value.Without(acquisition));
            }
        }

        return ReferenceEquals(conditions, _conditions) ? this : new ConditionTable(conditions);
    }

    /// <summary>
    /// The conditions where the paths of <paramref name="mine"/> and <paramref name="theirs"/> meet:
    /// a key known on one side only is dropped; where the two sides disagree on the value, the
    /// statuses each side has become the correlation.
    /// </summary>
    public static ConditionTable Join(ConditionTable mine, LockState myState, ConditionTable theirs, LockState theirState)
    {
        if (ReferenceEquals(mine, theirs) && myState.SharesStatusesWith(theirState))
        {
            return mine;
        }

        if (mine.IsEmpty)
        {
            return mine;
        }

        ImmutableDictionary<object, BoolCondition>.Builder joined = mine._conditions.ToBuilder();
        foreach (KeyValuePair<object, BoolCondition> entry in mine._conditions)
        {
            if (!theirs._conditions.TryGetValue(entry.Key, out BoolCondition? other))
            {
                joined.Remove(entry.Key);
            }
            else if (Join(entry.Value, myState, other, theirState) is { } both)
            {
                joined[entry.Key] = both;
            }
            else
            {
                joined.Remove(entry.Key);
            }
        }

        return new ConditionTable(joined.ToImmutable());
    }

    /// <summary>Null when the joined condition tells nothing (either value, the same statuses under both).</summary>
    private static BoolCondition? Join(BoolCondition mine, LockState myState, BoolCondition theirs, LockState theirState)
    {
        if (mine.Equals(theirs) && (mine.Values != BoolValues.Either || myState.SharesStatusesWith(theirState)))
        {
            return mine;
        }

        BoolValues values = mine.Values | theirs.Values;
        if (values != BoolValues.Either)
        {
            return mine with { Values = values };
        }

        ImmutableDictionary<int, StatusPair>.Builder pairs = ImmutableDictionary.CreateBuilder<int, StatusPair>();

        // Where both sides share their statuses only the acquisitions already paired can differ with the value.
        foreach (int acquisition in Candidates(mine, myState, theirs, theirState))
        {
            StatusPair pair = mine.PairOf(acquisition, myState.StatusOf(acquisition))
                .Join(theirs.PairOf(acquisition, theirState.StatusOf(acquisition)));
            if (pair.Correlates)
            {
                pairs[acquisition] = pair;
            }
        }

        return pairs.Count == 0 ? null : BoolCondition.Correlated(mine.Label, pairs.ToImmutable());
    }

    private static SortedSet<int> Candidates(BoolCondition mine, LockState myState, BoolCondition theirs, LockState theirState)
    {
        var candidates = new SortedSet<int>(mine.Pairs.Keys);
        candidates.UnionWith(theirs.Pairs.Keys);
        int length = System.Math.Max(myState.StatusLength, theirState.StatusLength);
        for (int acquisition = 0; acquisition < length; acquisition++)
        {
            if (myState.SharesStatusChunkWith(theirState, acquisition))
            {
                acquisition = ChunkedArray<LockStatus>.ChunkEnd(acquisition) - 1;
            }
            else
            {
                candidates.Add(acquisition);
            }
        }

        return candidates;
    }

    public bool SameAs(ConditionTable other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (_conditions.Count != other._conditions.Count)
        {
            return false;
        }

        foreach (KeyValuePair<object, BoolCondition> entry in _conditions)
        {
            if (!other._conditions.TryGetValue(entry.Key, out BoolCondition? theirs) || !theirs.Equals(entry.Value))
            {
                return false;
            }
        }

        return true;
    }

    public int Hash() => _conditions.Count;

    /// <summary>Symbols compare as symbols; captures by id; a try-lock's invocation by reference.</summary>
    private sealed class KeyComparer : IEqualityComparer<object>
    {
        public static readonly KeyComparer Instance = new KeyComparer();

        public new bool Equals(object? x, object? y) =>
            x is ISymbol a && y is ISymbol b ? SymbolEqualityComparer.Default.Equals(a, b) : object.Equals(x, y);

        public int GetHashCode(object obj) =>
            obj is ISymbol symbol ? SymbolEqualityComparer.Default.GetHashCode(symbol) : obj.GetHashCode();
    }
}
