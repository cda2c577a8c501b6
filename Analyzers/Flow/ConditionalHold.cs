using System.Collections.Generic;
using System.Collections.Immutable;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// A lock held at an event on every path where a tracked bool has one value, though not on every
/// path: "held when 'take' is true". A feasible path with the lock held, unlike a mere "may be held".
/// </summary>
/// <param name="Condition">How messages name the bool.</param>
internal readonly record struct ConditionalHold(Acquisition Acquisition, string Condition, bool Value)
{
    /// <summary>The conditional holds of <paramref name="state"/>: at most one per acquisition, the first condition telling it.</summary>
    public static ImmutableArray<ConditionalHold> Of(LockState state, AcquisitionTable acquisitions)
    {
        if (state.Conditions.IsEmpty)
        {
            return ImmutableArray<ConditionalHold>.Empty;
        }

        var holds = ImmutableArray.CreateBuilder<ConditionalHold>();
        var seen = new HashSet<int>();
        foreach (KeyValuePair<object, BoolCondition> entry in state.Conditions.All)
        {
            if (entry.Value.Values != BoolValues.Either)
            {
                continue;
            }

            foreach (KeyValuePair<int, StatusPair> pair in entry.Value.Pairs)
            {
                if (state.IsHeld(pair.Key) || !state.MayBeHeld(pair.Key) || seen.Contains(pair.Key))
                {
                    continue;
                }

                foreach (bool value in new[] { true, false })
                {
                    LockStatus status = pair.Value.When(value);
                    if (status != LockStatus.None && (status & ~LockStatus.AnyHeld) == 0 && seen.Add(pair.Key))
                    {
                        holds.Add(new ConditionalHold(acquisitions[pair.Key], entry.Value.Label, value));
                    }
                }
            }
        }

        return holds.ToImmutable();
    }
}
