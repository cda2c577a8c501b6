using System.Diagnostics;
using Toolstack.Runtime;
using Toolstack.Runtime.Tests.Locking;
using Toolstack.Soak.Support;

namespace Toolstack.Soak.Sections;

/// <summary>
/// The lock figure: N cycles, each taking and releasing all four locks (QmpLock, DriverLock,
/// DomainLock, JsonLock). Every 100th cycle two tasks contend for the QmpLock and the JsonLock
/// (counting any moment with two holders); every 1,000th (every tenth of a shorter run) the domain is destroyed under a holder
/// and a waiter (the waiter and a new acquisition must get <see cref="DomainGoneException"/>) and
/// re-created (the old holder's release must not open the new domain's lock to a second holder). Targets: open
/// descriptors after == before, live heap after full GC within <see cref="HeapAllowance"/> of
/// before, no two holders, no unexpected error, only the domain's record left in the directory.
/// </summary>
internal static class LockCycleSection
{
    /// <summary>
    /// Runtime-owned growth that is not the code under test (tiered JIT's call counters, thread
    /// pool bookkeeping) stays well below this; a leak of 26 bytes per cycle over 10,000 cycles does not.
    /// </summary>
    public const long HeapAllowance = 256 * 1024;

    private const string DomainId = "8.locks";
    private const int Warmup = 200;

    public static async Task<Figure> RunAsync(SoakOptions options)
    {
        ScratchDirectory work = Reaper.Own(new ScratchDirectory("toolstack-soak-locks-"));
        try
        {
            var userdata = new DomainUserdata(work.Path, DomainId);
            userdata.Create();
            var rig = new Rig(userdata);
            OpenFileDescriptors.Baseline(); // warms up process start, so a fork's pipes are not counted
            await rig.CyclesAsync(0, Warmup, int.MaxValue);
            int fdsBefore = FdCensus.Count();
            long heapBefore = Heap.Settled();
            var clock = Stopwatch.StartNew();

            await rig.CyclesAsync(Warmup, Warmup + options.LockCycles, Math.Clamp(options.LockCycles / 10, 10, 1000));

            TimeSpan elapsed = clock.Elapsed;
            rig = null!; // nothing of the run stays reachable from here
            long heapAfter = Heap.Settled();
            int fdsAfter = FdCensus.Settled(fdsBefore);
            IReadOnlyList<string> extra = LockDirectoryAudit.Unexpected(work.Path, [userdata.RecordPath]);
            Rig.Totals totals = Rig.Last;
            return new Figure("locks")
                .Add("cycles", options.LockCycles)
                .Add("acquisitions", totals.Acquisitions)
                .Add("recreates", totals.Recreates)
                .Add("two_holders", totals.TwoHolders)
                .Add("recreate_breaches", totals.RecreateBreaches)
                .Add("errors", totals.Errors)
                .Resources(fdsBefore, fdsAfter, heapBefore, heapAfter, HeapAllowance, "cycles")
                .Add("lock_dir_extra", extra.Count)
                .Add("elapsed", Figure.Seconds(elapsed))
                .Require(totals.TwoHolders == 0, $"{totals.TwoHolders} times two tasks held one lock")
                .Require(totals.RecreateBreaches == 0,
                    $"{totals.RecreateBreaches} of {totals.Recreates} re-creates: after the old domain's holder released, a third acquisition got the lock the new domain's holder still held")
                .Require(totals.Errors == 0, $"{totals.Errors} unexpected outcomes; first: {totals.FirstError}")
                .Require(extra.Count == 0, $"left in the lock directory: {string.Join(", ", extra)}");
        }
        finally
        {
            Reaper.Release(work);
        }
    }

    /// <summary>The four locks of one domain and what the cycles counted.</summary>
    private sealed class Rig
    {
        private readonly DomainUserdata _userdata;
        private readonly DriverLock _driver = new("soak driver");
        private readonly DomainLock _domain = new("soak domain");
        private JsonLock _json;
        private QmpLock _slow;
        private int _insideSlow;
        private int _insideJson;
        private int _twoHolders;
        private int _recreateBreaches;
        private int _recreates;
        private int _errors;
        private long _acquisitions;
        private string? _firstError;

        public Rig(DomainUserdata userdata)
        {
            _userdata = userdata;
            _json = new JsonLock(userdata);
            _slow = new QmpLock(userdata);
        }

        /// <summary>What the last rig counted, kept as a value so the rig itself can be collected.</summary>
        public static Totals Last { get; private set; } = new(0, 0, 0, 0, 0, null);

        public async Task CyclesAsync(int from, int to, int recreateEvery)
        {
            for (int i = from; i < to; i++)
            {
                Reaper.Stopping.ThrowIfCancellationRequested();
                try
                {
                    await using (await _slow.LockAsync())
                    {
                        using (_driver.Lock())
                        {
                        }

                        using (_domain.Lock())
                        {
                        }

                        using (_json.Lock())
                        {
                        }
                    }

                    _acquisitions += 4;
                    if (i % 100 == 99)
                    {
                        await ContendAsync();
                    }

                    if ((i - from) % recreateEvery == recreateEvery - 1)
                    {
                        await RecreateAsync();
                    }
                }
                catch (Exception e) when (e is LockException or IOException or TimeoutException)
                {
                    Error(e.ToString());
                }
            }

            Last = new Totals(_acquisitions, _recreates, _twoHolders, _recreateBreaches, _errors, _firstError);
        }

        /// <summary>
        /// Two tasks, each with its own QmpLock and JsonLock of the domain (as two processes would
        /// have: only the flock excludes them), take the QmpLock, then the JsonLock (on a pool
        /// thread: it blocks), 20 times each; each lock's critical section counts its occupants.
        /// </summary>
        private async Task ContendAsync()
        {
            async Task Worker()
            {
                var slow = new QmpLock(_userdata);
                var json = new JsonLock(_userdata);
                for (int i = 0; i < 20; i++)
                {
                    await using (await slow.LockAsync())
                    {
                        Enter(ref _insideSlow);
                        await Task.Yield();
                        Leave(ref _insideSlow);
                    }

                    await Task.Run(() =>
                    {
                        using (json.Lock())
                        {
                            Enter(ref _insideJson);
                            Thread.SpinWait(50);
                            Leave(ref _insideJson);
                        }
                    });
                }
            }

            await Task.WhenAll(Task.Run(Worker), Task.Run(Worker)).WaitAsync(TimeSpan.FromSeconds(30));
            _acquisitions += 80;
        }

        /// <summary>
        /// Destroys the domain while a holder and a waiter are on its QmpLock: the waiter and a new
        /// JsonLock acquisition must be refused. Then destroys and re-creates it under a holder, and
        /// takes the new domain's QmpLock before the old holder releases: the old release must not
        /// unlink the new holder's file, so a third acquisition must still wait.
        /// </summary>
        private async Task RecreateAsync()
        {
            LockHandle old = await _slow.LockAsync();
            ValueTask<LockHandle> waiter = _slow.LockAsync();
            _userdata.Destroy();
            await old.DisposeAsync();
            bool waiterRefused = await RefusedAsync(async () => await (await waiter).DisposeAsync());
            bool jsonRefused = await RefusedAsync(() => Task.Run(() => _json.Lock().Dispose()));
            _userdata.Create();

            // Destroyed and re-created under a holder of the old domain's lock.
            LockHandle stale = await new QmpLock(_userdata).LockAsync();
            _userdata.Destroy();
            _userdata.Create();
            var fresh = new QmpLock(_userdata);
            LockHandle current = await fresh.LockAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            await stale.DisposeAsync();
            bool excluded = await StillExcludedAsync(new QmpLock(_userdata));
            await current.DisposeAsync();

            _json = new JsonLock(_userdata);
            _slow = fresh;
            _recreates++;
            if (!excluded)
            {
                _recreateBreaches++;
            }

            if (!waiterRefused || !jsonRefused)
            {
                Error($"after destroy: a QmpLock waiter {(waiterRefused ? "was" : "was NOT")} refused, a JsonLock acquisition {(jsonRefused ? "was" : "was NOT")} refused");
            }
        }

        /// <summary>True if <paramref name="third"/> cannot take the lock within 200 ms (someone holds it).</summary>
        private static async Task<bool> StillExcludedAsync(QmpLock third)
        {
            using var shortly = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            try
            {
                await (await third.LockAsync(shortly.Token)).DisposeAsync();
                return false;
            }
            catch (OperationCanceledException)
            {
                return true;
            }
        }

        private static async Task<bool> RefusedAsync(Func<Task> acquire)
        {
            try
            {
                await acquire().WaitAsync(TimeSpan.FromSeconds(10));
                return false;
            }
            catch (DomainGoneException)
            {
                return true;
            }
        }

        private void Enter(ref int inside)
        {
            if (Interlocked.Increment(ref inside) != 1)
            {
                Interlocked.Increment(ref _twoHolders);
            }
        }

        private static void Leave(ref int inside) => Interlocked.Decrement(ref inside);

        private void Error(string what)
        {
            _errors++;
            _firstError ??= what;
        }

        public sealed record Totals(long Acquisitions, int Recreates, int TwoHolders, int RecreateBreaches, int Errors, string? FirstError);
    }
}
