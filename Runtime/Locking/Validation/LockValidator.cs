using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace Toolstack.Runtime;

/// <summary>
/// Opt-in run-time check of the lock hierarchy: tracks the locks each thread or async flow holds
/// and throws <see cref="LockOrderException"/> on an out-of-order acquisition, naming where the
/// held lock was taken.
/// </summary>
/// <remarks>
/// <para>
/// Off by default; switch it on with <see cref="IsEnabled"/> or by setting the environment
/// variable <see cref="EnvironmentVariable"/> to <c>1</c> (or <c>true</c>) before the first
/// lock is used. When off, an acquisition costs one volatile read.
/// </para>
/// <para>
/// The check is by level, not by the order seen so far, so an ABBA order is reported on its
/// first occurrence on either thread, however the threads interleave. Locks taken before
/// validation was switched on are not tracked.
/// </para>
/// <para>
/// Like lockdep, it can also record every order it sees (held lock type → acquired lock type,
/// counted, the first site named): switch <see cref="RecordsEdges"/> on and read
/// <see cref="ObservedEdges"/>, or set <see cref="EdgesFileEnvironmentVariable"/> to a file
/// name, which switches validation and recording on and writes the edges there (JSON, the
/// lock-graph tool's schema) when the process exits. An out-of-order acquisition is recorded
/// before it throws.
/// </para>
/// </remarks>
public static class LockValidator
{
    /// <summary>The environment variable that switches validation on at start-up.</summary>
    public const string EnvironmentVariable = "TOOLSTACK_LOCK_VALIDATION";

    /// <summary>
    /// The environment variable naming a file to write the observed lock orders to at process
    /// exit; setting it switches validation and recording on.
    /// </summary>
    public const string EdgesFileEnvironmentVariable = "TOOLSTACK_LOCK_EDGES_FILE";

    private static readonly AsyncLocal<HeldLockEntry?> s_held = new();
    private static readonly ObservedEdgeLog s_observed = new();
    private static volatile bool s_recording = WriteEdgesAtExit();
    private static volatile bool s_enabled = s_recording || IsOnInEnvironment();

    /// <summary>Whether acquisitions are checked against the locks the current flow holds.</summary>
    public static bool IsEnabled
    {
        get => s_enabled;
        set => s_enabled = value;
    }

    /// <summary>
    /// Whether acquisitions checked by the validator also record their order in
    /// <see cref="ObservedEdges"/> (off by default: one dictionary lookup per held lock per acquisition).
    /// </summary>
    public static bool RecordsEdges
    {
        get => s_recording;
        set => s_recording = value;
    }

    /// <summary>The lock orders recorded so far, by held then taken type name; a snapshot.</summary>
    public static IReadOnlyList<ObservedLockEdge> ObservedEdges => s_observed.Snapshot();

    /// <summary>Forgets the recorded lock orders.</summary>
    public static void ClearObservedEdges() => s_observed.Clear();

    /// <summary>
    /// The locks the current thread or async flow holds, innermost first, as far as the
    /// validator knows (only locks taken while it was on).
    /// </summary>
    public static IReadOnlyList<HierarchicalLock> HeldByCurrentFlow()
    {
        var held = new List<HierarchicalLock>();
        for (HeldLockEntry? entry = s_held.Value; entry is not null; entry = entry.Next)
        {
            if (entry.IsActive)
            {
                held.Add(entry.Lock);
            }
        }

        return held;
    }

    /// <summary>Checks and records an acquisition whose site is found by a stack walk.</summary>
    internal static void OnAcquiring(LockHandle handle) => OnAcquiring(handle, "", "", 0);

    /// <summary>
    /// Checks and records an acquisition at the site the compiler named (empty
    /// <paramref name="callerFile"/>: not known, walk the stack for it). <paramref name="nestedUnder"/>
    /// is the one held lock of the same level this acquisition may nest in: the first lock of
    /// <see cref="DomainLock.LockBoth"/>, which orders the two itself (lockdep's nest_lock).
    /// </summary>
    internal static void OnAcquiring(LockHandle handle, string callerName, string callerFile, int callerLine,
        LockHandle? nestedUnder = null)
    {
        if (!s_enabled)
        {
            return;
        }

        HierarchicalLock acquiring = handle.Source;
        HeldLockEntry? top = WithoutReleased(s_held.Value);
        if (s_recording)
        {
            for (HeldLockEntry? entry = top; entry is not null; entry = entry.Next)
            {
                // LockBoth's pair is one ordered acquisition, not an order between two domains (lockdep's nest_lock).
                if (!IsNestLock(entry, acquiring, nestedUnder))
                {
                    s_observed.Record(entry.Lock, acquiring, callerName, callerFile, callerLine);
                }
            }
        }

        for (HeldLockEntry? entry = top; entry is not null; entry = entry.Next)
        {
            if (entry.Lock.Level >= acquiring.Level && !IsNestLock(entry, acquiring, nestedUnder))
            {
                throw new LockOrderException(acquiring, entry.Lock, entry.Site);
            }
        }

        var added = new HeldLockEntry(acquiring, CallerSites.Describe(callerName, callerFile, callerLine), top);
        handle.ValidationEntry = added;
        s_held.Value = added;
    }

    internal static void OnReleased(LockHandle handle)
    {
        // Only the flag changes: every list holding the entry skips it from now on, and the
        // flow drops it on its next acquisition. Setting the AsyncLocal here too would allocate
        // a second ExecutionContext per lock+unlock (issue 10).
        handle.ValidationEntry?.Deactivate();
    }

    /// <summary>The held entry is the nest lock itself: another lock of exactly the acquiring one's level.</summary>
    private static bool IsNestLock(HeldLockEntry entry, HierarchicalLock acquiring, LockHandle? nestedUnder) =>
        nestedUnder is not null
        && ReferenceEquals(entry.Lock, nestedUnder.Source)
        && !ReferenceEquals(entry.Lock, acquiring)
        && entry.Lock.Level == acquiring.Level;

    private static HeldLockEntry? WithoutReleased(HeldLockEntry? top)
    {
        if (top is null || AllActive(top))
        {
            return top;
        }

        HeldLockEntry? rest = WithoutReleased(top.Next);
        return top.IsActive ? top.WithNext(rest) : rest;
    }

    private static bool AllActive(HeldLockEntry? entry)
    {
        for (; entry is not null; entry = entry.Next)
        {
            if (!entry.IsActive)
            {
                return false;
            }
        }

        return true;
    }

    private static bool WriteEdgesAtExit()
    {
        string? path = Environment.GetEnvironmentVariable(EdgesFileEnvironmentVariable);
        if (string.IsNullOrWhiteSpace(path))
        {
            return false;
        }

        string fullPath = Path.GetFullPath(path);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                ObservedEdgesWriter.WriteFile(s_observed.Snapshot(), fullPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A diagnostic aid must not turn a clean exit into a crash.
                Console.Error.WriteLine($"{EdgesFileEnvironmentVariable}: could not write {fullPath}: {e.Message}");
            }
        };
        return true;
    }

    private static bool IsOnInEnvironment()
    {
        string? value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return value is not null
            && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase)
                || value.Equals("yes", StringComparison.OrdinalIgnoreCase)
                || value.Equals("on", StringComparison.OrdinalIgnoreCase));
    }
}
