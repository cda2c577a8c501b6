using System.Collections.Generic;
using System.Collections.Immutable;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// What is known of one tracked <c>bool</c> (a local, a parameter, a flow capture, a try-lock's
/// result) at a point: its possible values and, when it may be either, the acquisitions whose
/// status differs with it. An acquisition without a pair has the same status whatever the value.
/// </summary>
/// <param name="Label">How messages name the condition: the variable, or the expression.</param>
internal sealed record BoolCondition(string Label, BoolValues Values, ImmutableDictionary<int, StatusPair> Pairs)
{
    private static readonly ImmutableDictionary<int, StatusPair> s_noPairs = ImmutableDictionary<int, StatusPair>.Empty;

    /// <summary>The value is known on every path here.</summary>
    public static BoolCondition Known(string label, bool value) => new BoolCondition(label, BoolValuesExtensions.Of(value), s_noPairs);

    /// <summary>Either value, with these acquisitions' statuses under each.</summary>
    public static BoolCondition Correlated(string label, ImmutableDictionary<int, StatusPair> pairs) =>
        new BoolCondition(label, BoolValues.Either, pairs);

    /// <summary>The pair of <paramref name="acquisition"/>, given its status <paramref name="status"/> where no pair is kept.</summary>
    public StatusPair PairOf(int acquisition, LockStatus status) =>
        Pairs.TryGetValue(acquisition, out StatusPair pair) ? pair : StatusPair.Uniform(status, Values);

    /// <summary>The condition of <c>!x</c>.</summary>
    public BoolCondition Negated(string label)
    {
        ImmutableDictionary<int, StatusPair>.Builder pairs = s_noPairs.ToBuilder();
        foreach (KeyValuePair<int, StatusPair> pair in Pairs)
        {
            pairs[pair.Key] = pair.Value.Negated();
        }

        return new BoolCondition(label, Values.Negated(), pairs.ToImmutable());
    }

    /// <summary>The acquisition's status changed on every path alike: the value no longer tells it.</summary>
    public BoolCondition Without(int acquisition) =>
        Pairs.ContainsKey(acquisition) ? this with { Pairs = Pairs.Remove(acquisition) } : this;

    public bool Equals(BoolCondition? other)
    {
        if (other is null || Values != other.Values || Pairs.Count != other.Pairs.Count)
        {
            return false;
        }

        foreach (KeyValuePair<int, StatusPair> pair in Pairs)
        {
            if (!other.Pairs.TryGetValue(pair.Key, out StatusPair theirs) || theirs != pair.Value)
            {
                return false;
            }
        }

        return true;
    }

    public override int GetHashCode() => ((int)Values * 31) + Pairs.Count;
}
