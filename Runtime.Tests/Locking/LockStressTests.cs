using System.Collections.Concurrent;
using System.Diagnostics;

namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// Many threads over the valid orders (driver → domain[i], domain[i] alone, driver alone):
/// finishes without deadlock, and counters guarded by the locks lose no update and never see two
/// holders at once. Runs with validation off and on; neither may throw.
/// </summary>
[Collection(NonParallelCollection.Name)]
public sealed class LockStressTests : IDisposable
{
    private const int Threads = 4;
    private const int Domains = 3;
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    private readonly bool _wasEnabled = LockValidator.IsEnabled;

    public void Dispose() => LockValidator.IsEnabled = _wasEnabled;

    [Fact]
    public void ValidOrders_ManyThreads_ValidationOff_NoDeadlockAndNoLostUpdates()
    {
        LockValidator.IsEnabled = false;

        Run(iterations: 5000, seed: 1);
    }

    [Fact]
    public void ValidOrders_ManyThreads_ValidationOn_NoDeadlockNoLostUpdatesNoException()
    {
        LockValidator.IsEnabled = true;

        Run(iterations: 2000, seed: 2);
    }

    private static void Run(int iterations, int seed)
    {
        var driver = new DriverLock();
        DomainLock[] domains = Enumerable.Range(0, Domains).Select(i => new DomainLock($"vm{i}")).ToArray();
        var state = new Guarded(Domains);
        long[,] expected = new long[Threads, Domains + 1];
        var failures = new ConcurrentQueue<Exception>();
        using var start = new ManualResetEventSlim(false);

        Thread[] workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                start.Wait();
                var random = new Random(seed * 100 + t);
                for (int i = 0; i < iterations; i++)
                {
                    int d = random.Next(Domains);
                    bool byDispose = random.Next(2) == 0;
                    switch (random.Next(3))
                    {
                        case 0:
                            LockHandle outer = driver.Lock();
                            state.BumpDriver();
                            LockHandle inner = domains[d].Lock();
                            state.BumpDomain(d);
                            Release(domains[d], inner, byDispose);
                            Release(driver, outer, !byDispose);
                            expected[t, Domains]++;
                            expected[t, d]++;
                            break;
                        case 1:
                            LockHandle alone = domains[d].Lock();
                            state.BumpDomain(d);
                            Release(domains[d], alone, byDispose);
                            expected[t, d]++;
                            break;
                        default:
                            using (driver.Lock())
                            {
                                state.BumpDriver();
                            }

                            expected[t, Domains]++;
                            break;
                    }
                }

                if (LockValidator.HeldByCurrentFlow().Count != 0)
                {
                    throw new InvalidOperationException("The validator still tracks locks after every release.");
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })
        { IsBackground = true, Name = $"stress {t}" }).ToArray();

        foreach (Thread w in workers)
        {
            w.UnsafeStart();
        }

        var clock = Stopwatch.StartNew();
        start.Set();
        foreach (Thread w in workers)
        {
            TimeSpan left = s_deadline - clock.Elapsed;
            Assert.True(w.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero), $"{w.Name} did not finish within {s_deadline}: deadlock or livelock.");
        }

        Assert.Empty(failures);
        Assert.Equal(0, state.Overlaps);
        for (int d = 0; d < Domains; d++)
        {
            Assert.Equal(Sum(expected, d), state.DomainCount(d));
        }

        Assert.Equal(Sum(expected, Domains), state.DriverCount);
        // Everything was released: each lock can be taken again.
        using (driver.Lock())
        {
            foreach (DomainLock domain in domains)
            {
                using (domain.Lock())
                {
                }
            }
        }
    }

    private static void Release(HierarchicalLock owner, LockHandle handle, bool byDispose)
    {
        if (byDispose)
        {
            handle.Dispose();
        }
        else if (owner is DriverLock driver)
        {
            driver.Unlock(handle);
        }
        else
        {
            ((DomainLock)owner).Unlock(handle);
        }
    }

    private static long Sum(long[,] counts, int column)
    {
        long sum = 0;
        for (int t = 0; t < counts.GetLength(0); t++)
        {
            sum += counts[t, column];
        }

        return sum;
    }

    /// <summary>
    /// Counters updated by an unprotected read-modify-write with a spin in the middle: correct
    /// only under mutual exclusion. An occupancy count catches two holders at once directly.
    /// </summary>
    private sealed class Guarded
    {
        private readonly long[] _domainCounts;
        private readonly int[] _domainInside;
        private long _driverCount;
        private int _driverInside;
        private int _overlaps;

        public Guarded(int domains)
        {
            _domainCounts = new long[domains];
            _domainInside = new int[domains];
        }

        public int Overlaps => Volatile.Read(ref _overlaps);

        public long DriverCount => Volatile.Read(ref _driverCount);

        public long DomainCount(int d) => Volatile.Read(ref _domainCounts[d]);

        public void BumpDriver() => Bump(ref _driverCount, ref _driverInside);

        public void BumpDomain(int d) => Bump(ref _domainCounts[d], ref _domainInside[d]);

        private void Bump(ref long count, ref int inside)
        {
            if (Interlocked.Increment(ref inside) != 1)
            {
                Interlocked.Increment(ref _overlaps);
            }

            long read = count;
            // Widens the window between read and write without giving the CPU away while the
            // lock is held (a yield would make a loaded machine crawl).
            Thread.SpinWait(20);
            count = read + 1;
            Interlocked.Decrement(ref inside);
        }
    }
}
