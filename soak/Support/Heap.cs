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
/// Samples <see cref="GC.GetTotalMemory(bool)"/> every few milliseconds on its own thread and
/// keeps the peak: an upper bound on what the code under test held at once (it includes garbage
/// not yet collected, so the bound it is checked against leaves room for gen0's budget).
/// </summary>
internal sealed class PeakHeapSampler : IDisposable
{
    private readonly Thread _thread;
    private readonly long _baseline;
    private volatile bool _stop;
    private long _peak;

    public PeakHeapSampler()
    {
        _baseline = Heap.Settled();
        _peak = _baseline;
        _thread = new Thread(Run) { IsBackground = true, Name = "peak heap sampler" };
        _thread.Start();
    }

    /// <summary>The peak above the settled baseline taken at construction, in bytes.</summary>
    public long PeakGrowth => Interlocked.Read(ref _peak) - _baseline;

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }

    private void Run()
    {
        while (!_stop)
        {
            long now = GC.GetTotalMemory(forceFullCollection: false);
            if (now > Interlocked.Read(ref _peak))
            {
                Interlocked.Exchange(ref _peak, now);
            }

            Thread.Sleep(2);
        }
    }
}
