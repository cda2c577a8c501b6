using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using Xunit.Abstractions;

namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// Many waiters, cancellation, and descriptor hygiene of <see cref="QmpLock.LockAsync"/>. Alone in
/// the process (thread-pool limits, descriptor counts).
/// </summary>
[Collection(NonParallelCollection.Name)]
public sealed class QmpLockWaitersTests : IDisposable
{
    private readonly TempLockDirectory _dir = new();
    private readonly ITestOutputHelper _output;

    public QmpLockWaitersTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task LockAsync_200WaitersOnSmallThreadPool_AllCompleteOneAtATime()
    {
        const int Waiters = 200;
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        var fdsBefore = OpenFileDescriptors.Baseline();

        using var pool = SmallThreadPool.Enter();
        _output.WriteLine($"thread pool limited to {pool.Workers} workers (processors: {Environment.ProcessorCount})");
        Assert.True(pool.Workers <= Waiters / 4, $"{pool.Workers} workers is not a small pool");

        int inside = 0;
        int overlaps = 0;
        int maxPoolThreads = 0;
        var order = new ConcurrentQueue<int>();
        var sinceQueued = new Stopwatch();
        var sinceReleased = new Stopwatch();
        Task[] waiters;

        // Another process holds the lock first, so the first waiter must poll the file.
        using (FlockHolder holder = FlockHolder.Start(domain.QmpLockPath))
        {
            sinceQueued.Start();
            waiters = Enumerable.Range(0, Waiters).Select(i => Task.Run(async () =>
            {
                LockHandle handle = await qmp.LockAsync();
                try
                {
                    if (Interlocked.Increment(ref inside) != 1)
                    {
                        Interlocked.Increment(ref overlaps);
                    }

                    order.Enqueue(i);
                    maxPoolThreads = Math.Max(maxPoolThreads, ThreadPool.ThreadCount);
                    await Task.Yield(); // needs a pool thread: if waiters blocked them, this would never run
                    Interlocked.Decrement(ref inside);
                }
                finally
                {
                    qmp.Unlock(handle);
                }
            })).ToArray();

            await Task.Delay(FlockTool.StillWaiting);
            Assert.Empty(order);

            // 200 waiters pending, yet the pool's few threads are free for other work.
            Assert.Equal(42, await Task.Run(() => 42).WaitAsync(TimeSpan.FromSeconds(10)));

            holder.Release();
            sinceReleased.Start();
        }

        await Task.WhenAll(waiters).WaitAsync(TimeSpan.FromSeconds(60));
        sinceReleased.Stop();
        sinceQueued.Stop();
        _output.WriteLine(
            $"{Waiters} waiters took the lock in turn in {sinceReleased.ElapsedMilliseconds} ms after the other process " +
            $"let go ({sinceQueued.ElapsedMilliseconds} ms since they were queued)");

        Assert.False(pool.WatchdogFired, "the thread pool was starved");
        Assert.Equal(0, overlaps);
        Assert.Equal(Waiters, order.Count);
        Assert.Equal(Enumerable.Range(0, Waiters), order.Order());
        Assert.True(maxPoolThreads <= pool.Workers, $"{maxPoolThreads} pool threads");
        Assert.False(File.Exists(domain.QmpLockPath));
        ValueTask<LockHandle> after = qmp.LockAsync();
        Assert.True(after.IsCompletedSuccessfully);
        (await after).Dispose();
        OpenFileDescriptors.AssertNoneOpenedSince(fdsBefore);
    }

    [Fact]
    public async Task LockAsync_CancelledWhileQueuedBehindHolder_ThrowsOperationCanceledAndNeverHolds()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        var fdsBefore = OpenFileDescriptors.Baseline();
        LockHandle held = await qmp.LockAsync();
        using var cts = new CancellationTokenSource();

        ValueTask<LockHandle> locking = qmp.LockAsync(cts.Token);
        Assert.False(locking.IsCompleted);
        Task<LockHandle> waiting = locking.AsTask();
        await Task.Delay(FlockTool.StillWaiting);
        Assert.False(waiting.IsCompleted);
        cts.Cancel();

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(FlockTool.Generous));
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.True(waiting.IsCanceled);
        Assert.True(held.IsHeld);
        Assert.Equal(1, OpenFileDescriptors.CountOpenOn(domain.QmpLockPath));

        qmp.Unlock(held);

        // The cancelled waiter took nothing: the lock is free, in this process and for others.
        Assert.False(File.Exists(domain.QmpLockPath));
        ValueTask<LockHandle> next = qmp.LockAsync();
        Assert.True(next.IsCompletedSuccessfully);
        (await next).Dispose();
        OpenFileDescriptors.AssertNoneOpenedSince(fdsBefore);
    }

    [Fact]
    public async Task LockAsync_CancelledWhilePollingTheFile_ThrowsOperationCanceledClosesItsDescriptorAndNeverHolds()
    {
        DomainUserdata domain = _dir.Domain();
        var holder = new QmpLock(domain);
        var waiter = new QmpLock(domain);
        var fdsBefore = OpenFileDescriptors.Baseline();
        LockHandle held = await holder.LockAsync();
        using var cts = new CancellationTokenSource();

        Task<LockHandle> waiting = waiter.LockAsync(cts.Token).AsTask();
        await Task.Delay(FlockTool.StillWaiting);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(2, OpenFileDescriptors.CountOpenOn(domain.QmpLockPath)); // the waiter polls on its own descriptor
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(FlockTool.Generous));
        Assert.Equal(1, OpenFileDescriptors.CountOpenOn(domain.QmpLockPath));

        holder.Unlock(held);

        Assert.False(File.Exists(domain.QmpLockPath));
        ValueTask<LockHandle> next = waiter.LockAsync();
        Assert.True(next.IsCompletedSuccessfully);
        (await next).Dispose();
        OpenFileDescriptors.AssertNoneOpenedSince(fdsBefore);
    }

    [Fact]
    public async Task LockAsync_CancelledWhileFlockProcessHolds_ThrowsOperationCanceledAndNeverHolds()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        using FlockHolder holder = FlockHolder.Start(domain.QmpLockPath);
        using var cts = new CancellationTokenSource();

        Task<LockHandle> waiting = qmp.LockAsync(cts.Token).AsTask();
        await Task.Delay(FlockTool.StillWaiting);
        Assert.False(waiting.IsCompleted);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(FlockTool.Generous));
        Assert.Equal(0, OpenFileDescriptors.CountOpenOn(domain.QmpLockPath));
        holder.Release();

        // Nobody holds it now: not the process, not the cancelled waiter.
        Assert.Equal(0, FlockTool.TryLockOnce(domain.QmpLockPath));
        ValueTask<LockHandle> next = qmp.LockAsync();
        Assert.True(next.IsCompletedSuccessfully);
        (await next).Dispose();
    }

    [Fact]
    public async Task LockAsync_AlreadyCancelledToken_FailsAtOnceWithoutTouchingAFile()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        var fdsBefore = OpenFileDescriptors.Baseline();
        var cancelled = new CancellationToken(canceled: true);

        ValueTask<LockHandle> locking = qmp.LockAsync(cancelled);

        Assert.True(locking.IsCanceled);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => locking.AsTask());
        Assert.False(File.Exists(domain.QmpLockPath));
        OpenFileDescriptors.AssertNoneOpenedSince(fdsBefore);

        // Also while the lock is held, and it leaves the holder alone.
        LockHandle held = await qmp.LockAsync();
        ValueTask<LockHandle> whileHeld = qmp.LockAsync(cancelled);
        Assert.True(whileHeld.IsCanceled);
        Assert.True(held.IsHeld);
        qmp.Unlock(held);

        // And for a destroyed domain, cancellation is reported first.
        domain.Destroy();
        Assert.True(qmp.LockAsync(cancelled).IsCanceled);
        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public async Task LockAsync_ManyCancelledAmongManyWaiters_OthersStillCompleteAndNoDescriptorLeaks()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        var rival = new QmpLock(domain);
        var fdsBefore = OpenFileDescriptors.Baseline();
        LockHandle held = await rival.LockAsync();

        var sources = Enumerable.Range(0, 40).Select(_ => new CancellationTokenSource()).ToArray();
        Task<LockHandle>[] waiting = sources.Select(s => qmp.LockAsync(s.Token).AsTask()).ToArray();
        await Task.Delay(FlockTool.StillWaiting);
        Assert.All(waiting, w => Assert.False(w.IsCompleted));
        for (int i = 0; i < sources.Length; i += 2)
        {
            sources[i].Cancel(); // including the first, which is polling the file
        }

        rival.Unlock(held);

        var outcomes = new List<string>();
        for (int i = 0; i < waiting.Length; i++)
        {
            Exception? failure = await Record.ExceptionAsync(() => waiting[i].WaitAsync(FlockTool.Generous));
            if (failure is null)
            {
                LockHandle handle = await waiting[i];
                outcomes.Add($"{i}: {(handle.IsHeld ? "held" : "not held")}");
                qmp.Unlock(handle);
            }
            else
            {
                outcomes.Add($"{i}: {(failure is OperationCanceledException ? "cancelled" : failure.GetType().Name)}");
            }
        }

        Assert.Equal(
            Enumerable.Range(0, waiting.Length).Select(i => $"{i}: {(i % 2 == 0 ? "cancelled" : "held")}"),
            outcomes);

        foreach (CancellationTokenSource source in sources)
        {
            source.Dispose();
        }

        Assert.False(File.Exists(domain.QmpLockPath));
        OpenFileDescriptors.AssertNoneOpenedSince(fdsBefore);
    }

    [Fact]
    public async Task LockAsync_CancelledWhileQueued_HandOverBeforeTheCancellationIsProcessed_ThrowsOperationCanceled()
    {
        // A cancellation requested while another holds must win over the hand-over that follows,
        // even when the hand-over overtakes the processing of the cancellation (SemaphoreSlim
        // completes a cancelled WaitAsync on the thread pool; a Release before that grants it).
        // Otherwise the caller, who gave up, is handed a lock that nobody will ever release.
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        var fdsBefore = OpenFileDescriptors.Baseline();
        LockHandle held = await qmp.LockAsync();
        using var cts = new CancellationTokenSource();
        Task<LockHandle> waiting = qmp.LockAsync(cts.Token).AsTask();

        using (var pool = SmallThreadPool.Enter())
        using (var unblock = new ManualResetEventSlim())
        {
            // Occupy every pool thread, so what Cancel() queues cannot run before Unlock().
            Task[] blockers = Enumerable.Range(0, pool.Workers).Select(_ => Task.Run(() => unblock.Wait())).ToArray();
            try
            {
                Task probe = Task.Run(() => { });
                Thread.Sleep(FlockTool.StillWaiting);
                Assert.False(probe.IsCompleted, "the thread pool is not saturated; the race cannot be staged");

                cts.Cancel();
                qmp.Unlock(held);
            }
            finally
            {
                unblock.Set();
            }

            await Task.WhenAll(blockers).WaitAsync(FlockTool.Generous);
        }

        Exception? failure = await Record.ExceptionAsync(() => waiting.WaitAsync(FlockTool.Generous));
        if (failure is null)
        {
            (await waiting).Dispose();
        }

        Assert.IsAssignableFrom<OperationCanceledException>(failure);
        ValueTask<LockHandle> next = qmp.LockAsync();
        Assert.True(next.IsCompletedSuccessfully);
        (await next).Dispose();
        Assert.False(File.Exists(domain.QmpLockPath));
        OpenFileDescriptors.AssertNoneOpenedSince(fdsBefore);
    }

    /// <summary>
    /// Caps the thread pool at a few workers until disposed, then restores its limits. The cap
    /// leaves two workers beyond the threads that exist now: the test host keeps some pool threads
    /// busy for good (vstest's message loop polls its socket on one), so a cap of exactly the
    /// processor count (2 here) starves everything, timers included. A watchdog thread lifts the
    /// cap if the test has not finished in time, so a starved pool fails the test instead of
    /// hanging the run.
    /// </summary>
    private sealed class SmallThreadPool : IDisposable
    {
        private static readonly TimeSpan s_watchdog = TimeSpan.FromSeconds(90);

        private readonly int _oldMinWorkers;
        private readonly int _oldMinIo;
        private readonly int _oldMaxWorkers;
        private readonly int _oldMaxIo;
        private readonly ManualResetEventSlim _done = new();
        private readonly Thread _watchdog;
        private readonly object _restoreLock = new();
        private bool _restored;

        private SmallThreadPool()
        {
            ThreadPool.GetMinThreads(out _oldMinWorkers, out _oldMinIo);
            ThreadPool.GetMaxThreads(out _oldMaxWorkers, out _oldMaxIo);

            // SetMaxThreads refuses fewer workers than the processor count or the minimum.
            Workers = Math.Max(Environment.ProcessorCount, ThreadPool.ThreadCount + 2);
            if (_oldMinWorkers > Workers)
            {
                Assert.True(ThreadPool.SetMinThreads(Workers, _oldMinIo), "SetMinThreads");
            }

            Assert.True(ThreadPool.SetMaxThreads(Workers, _oldMaxIo), $"SetMaxThreads({Workers})");
            ThreadPool.GetMaxThreads(out int workers, out _);
            Assert.Equal(Workers, workers);

            _watchdog = new Thread(() =>
            {
                if (!_done.Wait(s_watchdog))
                {
                    WatchdogFired = true;
                    Restore();
                }
            })
            {
                IsBackground = true,
                Name = "thread-pool watchdog",
            };
            _watchdog.Start();
        }

        public int Workers { get; }

        /// <summary>True when the cap had to be lifted because the test ran too long.</summary>
        public bool WatchdogFired { get; private set; }

        public static SmallThreadPool Enter() => new();

        public void Dispose()
        {
            _done.Set();
            _watchdog.Join();
            Restore();
            _done.Dispose();
        }

        private void Restore()
        {
            lock (_restoreLock)
            {
                if (!_restored)
                {
                    _restored = true;
                    ThreadPool.SetMaxThreads(_oldMaxWorkers, _oldMaxIo);
                    ThreadPool.SetMinThreads(_oldMinWorkers, _oldMinIo);
                }
            }
        }
    }
}
