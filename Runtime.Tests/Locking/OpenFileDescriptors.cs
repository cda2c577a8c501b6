using System.IO;

namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// This process's open file descriptors (/proc/self/fd). Tests that compare counts run in
/// <see cref="NonParallelCollection"/>, since parallel tests open files.
/// </summary>
internal static class OpenFileDescriptors
{
    private const string Unreadable = "?";

    /// <summary>
    /// The descriptors open now, after warming up what opens descriptors for good on first use
    /// (starting a process loads System.IO.Pipes and creates the runtime's SIGCHLD pipes), so that a
    /// later <see cref="AssertNoneOpenedSince"/> sees only what the code under test left open.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Baseline()
    {
        string scratch = Path.Combine(Path.GetTempPath(), $"toolstack-fd-warmup-{Guid.NewGuid():N}");
        try
        {
            FlockTool.TryLockOnce(scratch);
        }
        finally
        {
            File.Delete(scratch);
        }

        return Snapshot();
    }

    /// <summary>
    /// Fails, listing them, if descriptors were opened since <paramref name="baseline"/> and are
    /// still open, or the count changed. Assemblies and symbol files that the runtime maps on first
    /// use (it keeps a descriptor on each) are not counted: they are not the code under test. Polls
    /// for up to two seconds, so that a descriptor someone else closes asynchronously settles; a
    /// leaked one never does.
    /// </summary>
    public static void AssertNoneOpenedSince(IReadOnlyDictionary<string, string> baseline)
    {
        Dictionary<string, string> before = WithoutRuntimeFiles(baseline);
        string problem = "";
        var watch = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            Dictionary<string, string> now = WithoutRuntimeFiles(Snapshot());
            string[] added = now.Where(kv => !before.TryGetValue(kv.Key, out string? was) || was != kv.Value)
                .Select(kv => $"{kv.Key} -> {kv.Value}")
                .ToArray();
            string[] gone = before.Where(kv => !now.TryGetValue(kv.Key, out string? target) || target != kv.Value)
                .Select(kv => $"{kv.Key} -> {kv.Value}")
                .ToArray();
            if (now.Count == before.Count && added.Length == 0)
            {
                return;
            }

            problem = $"{before.Count} descriptors before, {now.Count} now; opened: [{string.Join(", ", added)}]; " +
                      $"closed: [{string.Join(", ", gone)}]";
            Thread.Sleep(20);
        }
        while (watch.Elapsed < TimeSpan.FromSeconds(2));

        Assert.Fail(problem);
    }

    private static Dictionary<string, string> WithoutRuntimeFiles(IReadOnlyDictionary<string, string> descriptors) =>
        descriptors.Where(kv => kv.Value != Unreadable // the enumeration's own, closed by the time it is read
                                && !kv.Value.EndsWith(".dll", StringComparison.Ordinal)
                                && !kv.Value.EndsWith(".pdb", StringComparison.Ordinal)
                                && !kv.Value.EndsWith(".so", StringComparison.Ordinal)
                                // kept open by design, one per lock directory (DirectoryGuard)
                                && !kv.Value.EndsWith("/" + DomainUserdata.DirectoryGuardFileName, StringComparison.Ordinal)
                                && !kv.Value.EndsWith("/" + DomainUserdata.DirectoryGuardFileName + " (deleted)", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    /// <summary>The descriptors open on <paramref name="path"/> (by the link target of /proc/self/fd/N).</summary>
    public static int CountOpenOn(string path) =>
        Snapshot().Values.Count(target => target == path || target == path + " (deleted)"); // unlinked: "(deleted)"

    private static Dictionary<string, string> Snapshot()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string entry in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                result[entry] = new FileInfo(entry).LinkTarget ?? Unreadable;
            }
            catch (IOException)
            {
                // Closed meanwhile (the enumeration's own descriptor, for one).
            }
        }

        return result;
    }
}
