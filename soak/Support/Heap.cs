namespace Toolstack.Soak.Support;

/// <summary>Managed heap figures: what stays live after full collections, and the peak while something runs.</summary>
internal static class Heap
{
    /// <summary>Live managed bytes after blocking, compacting full collections and finalizers.</summary>
    public static long Settled()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

/// <summary>
/// Samples the managed heap on its own thread while something runs, and keeps two peaks above the
/// settled baseline: <see cref="PeakLiveGrowth"/>, what was live at a full collection forced every
/// <see cref="LiveInterval"/> (what the code under test held at once), and
/// <see cref="PeakGrowth"/>, <see cref="GC.GetTotalMemory(bool)"/> without collecting, every 2 ms
/// (live plus garbage not yet collected: an upper bound that grows with the allocation rate, not
/// with what is held).
/// </summary>
internal sealed class PeakHeapSampler : IDisposable
{
    /// <summary>How often a full collection measures what is live: often enough to catch a held peak, rarely enough to cost little.</summary>
    public static readonly TimeSpan LiveInterval = TimeSpan.FromMilliseconds(50);

    private readonly Thread _thread;
    private readonly long _baseline;
    private volatile bool _stop;
    private long _peak;
    private long _peakLive;
    private int _liveSamples;

    public PeakHeapSampler()
    {
        _baseline = Heap.Settled();
        _peak = _baseline;
        _peakLive = _baseline;
        _thread = new Thread(Run) { IsBackground = true, Name = "peak heap sampler" };
        _thread.Start();
    }

    /// <summary>The peak of live plus uncollected garbage above the baseline, in bytes.</summary>
    public long PeakGrowth => Interlocked.Read(ref _peak) - _baseline;

    /// <summary>The peak of what was live at a forced full collection, above the baseline, in bytes.</summary>
    public long PeakLiveGrowth => Math.Max(0, Interlocked.Read(ref _peakLive) - _baseline);

    /// <summary>
    /// What the code under test held at most: <see cref="PeakLiveGrowth"/> when a forced collection
    /// ran meanwhile, else (it ended within one <see cref="LiveInterval"/>) the upper bound
    /// <see cref="PeakGrowth"/>.
    /// </summary>
    public long HeldGrowth => Volatile.Read(ref _liveSamples) > 0 ? PeakLiveGrowth : PeakGrowth;

    public void Dispose()
    {
        if (!_stop)
        {
            _stop = true;
            _thread.Join();
        }
    }

    private void Run()
    {
        var sinceLive = System.Diagnostics.Stopwatch.StartNew();
        while (!_stop)
        {
            Raise(ref _peak, GC.GetTotalMemory(forceFullCollection: false));
            if (sinceLive.Elapsed >= LiveInterval)
            {
                Raise(ref _peakLive, GC.GetTotalMemory(forceFullCollection: true));
                Interlocked.Increment(ref _liveSamples);
                sinceLive.Restart();
            }

            Thread.Sleep(2);
        }
    }

    private static void Raise(ref long peak, long now)
    {
        if (now > Interlocked.Read(ref peak))
        {
            Interlocked.Exchange(ref peak, now);
        }
    }
}
