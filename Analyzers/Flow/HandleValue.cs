using System;
using System.Collections.Immutable;

namespace Toolstack.Analyzers.Flow;

/// <summary>What a variable may hold, as far as locks go: handles of some acquisitions, or null.</summary>
internal sealed class HandleValue : IEquatable<HandleValue>
{
    public static readonly HandleValue Null = new HandleValue(ImmutableSortedSet<int>.Empty, mayBeNull: true);

    public HandleValue(ImmutableSortedSet<int> acquisitions, bool mayBeNull)
    {
        Acquisitions = acquisitions;
        MayBeNull = mayBeNull;
    }

    public ImmutableSortedSet<int> Acquisitions { get; }

    public bool MayBeNull { get; }

    public static HandleValue Of(int acquisition) =>
        new HandleValue(ImmutableSortedSet.Create(acquisition), mayBeNull: false);

    public HandleValue Join(HandleValue other) =>
        ReferenceEquals(this, other) || Equals(other) ? this : new HandleValue(Acquisitions.Union(other.Acquisitions), MayBeNull || other.MayBeNull);

    public HandleValue AsNonNull() => MayBeNull ? new HandleValue(Acquisitions, mayBeNull: false) : this;

    public bool Equals(HandleValue? other) =>
        ReferenceEquals(this, other) || other is not null && MayBeNull == other.MayBeNull && Acquisitions.SetEquals(other.Acquisitions);

    public override bool Equals(object? obj) => Equals(obj as HandleValue);

    public override int GetHashCode()
    {
        int hash = MayBeNull ? 1 : 0;
        foreach (int acquisition in Acquisitions)
        {
            hash = (hash * 31) + acquisition;
        }

        return hash;
    }
}
