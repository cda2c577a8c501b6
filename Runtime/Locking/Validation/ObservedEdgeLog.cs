using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace Toolstack.Runtime;

/// <summary>
/// The validator's record of lock orders seen: one counter per (held type, taken type) pair, the
/// site described once, on the pair's first sighting (a described site may cost a stack walk).
/// </summary>
internal sealed class ObservedEdgeLog
{
    private readonly ConcurrentDictionary<(Type Held, Type Taken), Entry> _edges = new();

    public void Record(HierarchicalLock held, HierarchicalLock taken, string callerName, string callerFile, int callerLine)
    {
        var key = (held.GetType(), taken.GetType());
        if (_edges.TryGetValue(key, out Entry? known))
        {
            Interlocked.Increment(ref known.Count);
            return;
        }

        Entry added = _edges.GetOrAdd(key, _ => new Entry(held.Level, taken.Level, CallerSites.Describe(callerName, callerFile, callerLine)));
        Interlocked.Increment(ref added.Count);
    }

    public IReadOnlyList<ObservedLockEdge> Snapshot() => _edges
        .Select(pair => new ObservedLockEdge(pair.Key.Held.FullName ?? pair.Key.Held.Name, pair.Value.HeldLevel,
            pair.Key.Taken.FullName ?? pair.Key.Taken.Name, pair.Value.TakenLevel, Interlocked.Read(ref pair.Value.Count),
            pair.Value.FirstSite))
        .OrderBy(edge => edge.Held, StringComparer.Ordinal).ThenBy(edge => edge.Taken, StringComparer.Ordinal)
        .ToList();

    public void Clear() => _edges.Clear();

    private sealed class Entry(int heldLevel, int takenLevel, string firstSite)
    {
        public long Count;

        public int HeldLevel { get; } = heldLevel;

        public int TakenLevel { get; } = takenLevel;

        public string FirstSite { get; } = firstSite;
    }
}
