using System.Collections.Immutable;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// The hot-plug pass's state: per acquisition of a relevant lock (and per lock its caller holds,
/// by <see cref="HotplugKeys"/>), whether on some path reaching here no describe, or no primary
/// removal, happened since it was acquired. Joins are unions: "lacks" on some path is enough.
/// </summary>
internal sealed class HotplugState : IFlowState<HotplugState>
{
    private ImmutableHashSet<int> _lacksDescribe;
    private ImmutableHashSet<int> _lacksRemoval;

    public HotplugState(ImmutableHashSet<int> lacksDescribe, ImmutableHashSet<int> lacksRemoval)
    {
        _lacksDescribe = lacksDescribe;
        _lacksRemoval = lacksRemoval;
    }

    /// <summary>Whether, on some path here, <paramref name="provider"/> did not happen since <paramref name="key"/> was acquired.</summary>
    public bool Lacks(HotplugRoleKind provider, int key) =>
        (provider == HotplugRoleKind.DescribesInJson ? _lacksDescribe : _lacksRemoval).Contains(key);

    /// <summary><paramref name="provider"/> happened while <paramref name="key"/> is held.</summary>
    public void Provide(HotplugRoleKind provider, int key)
    {
        if (provider == HotplugRoleKind.DescribesInJson)
        {
            _lacksDescribe = _lacksDescribe.Remove(key);
        }
        else
        {
            _lacksRemoval = _lacksRemoval.Remove(key);
        }
    }

    /// <summary>A (re-)acquisition: nothing happened under it yet, whatever happened under an earlier one.</summary>
    public void Acquired(int key)
    {
        _lacksDescribe = _lacksDescribe.Add(key);
        _lacksRemoval = _lacksRemoval.Add(key);
    }

    public HotplugState Clone() => new HotplugState(_lacksDescribe, _lacksRemoval);

    public bool JoinWith(HotplugState other)
    {
        int before = _lacksDescribe.Count + _lacksRemoval.Count;
        _lacksDescribe = _lacksDescribe.Union(other._lacksDescribe);
        _lacksRemoval = _lacksRemoval.Union(other._lacksRemoval);
        return _lacksDescribe.Count + _lacksRemoval.Count != before;
    }

    public bool Equals(HotplugState? other) =>
        other is not null && _lacksDescribe.SetEquals(other._lacksDescribe) && _lacksRemoval.SetEquals(other._lacksRemoval);

    public override bool Equals(object? obj) => Equals(obj as HotplugState);

    public override int GetHashCode() => (_lacksDescribe.Count * 31) + _lacksRemoval.Count;
}
