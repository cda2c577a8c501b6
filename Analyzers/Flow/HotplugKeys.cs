using System.Collections.Generic;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// The keys of <see cref="HotplugState"/>: an acquisition of this method is its index; the
/// relevant lock as the caller holds it (on entry, or none taken here) is a negative key, one per
/// relevant lock type.
/// </summary>
internal sealed class HotplugKeys
{
    private readonly List<HotplugRole> _callerLocks = new List<HotplugRole>();

    /// <summary>Every caller's-lock key handed out, with a role naming its lock.</summary>
    public IEnumerable<(int Key, HotplugRole Role)> CallerLocks
    {
        get
        {
            for (int i = 0; i < _callerLocks.Count; i++)
            {
                yield return (-1 - i, _callerLocks[i]);
            }
        }
    }

    /// <summary>The key of <paramref name="role"/>'s relevant lock as this method's caller holds it.</summary>
    public int CallerLock(HotplugRole role)
    {
        int index = _callerLocks.FindIndex(known => known.SameLock(role));
        if (index < 0)
        {
            index = _callerLocks.Count;
            _callerLocks.Add(role);
        }

        return -1 - index;
    }
}
