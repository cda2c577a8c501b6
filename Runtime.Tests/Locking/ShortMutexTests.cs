namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// The compare-and-swap mutex under DriverLock and DomainLock (issue 10): exclusion under
/// contention, no lost wake-up, and release from a thread other than the taker.
/// </summary>
public sealed class ShortMutexTests
{
    [Fact]
    public void EnterExit_ManyThreadsContending_ExcludeEachOtherAndAllFinish()
    {
        var mutex = new ShortMutex();
        int inside = 0;
        int overlaps = 0;
        long count = 0;
        Thread[] threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                mutex.Enter();
                if (Interlocked.Increment(ref inside) != 1)
                {
                    Interlocked.Increment(ref overlaps);
                }

                count++; // unsynchronised on purpose: the mutex must make it exact
                if (i % 1000 == 0)
                {
                    Thread.Sleep(0); // hold it across a yield now and then, so others sleep on it
                }

                Interlocked.Decrement(ref inside);
                mutex.Exit();
            }
        })).ToArray();

        foreach (Thread t in threads)
        {
            t.Start();
        }

        foreach (Thread t in threads)
        {
            Assert.True(t.Join(TimeSpan.FromSeconds(60)), "a thread never got the mutex: lost wake-up");
        }

        Assert.Equal(0, overlaps);
        Assert.Equal(80_000, count);
    }

    [Fact]
    public async Task Exit_FromAnotherThread_WakesAWaiter()
    {
        var mutex = new ShortMutex();
        mutex.Enter();
        Task waiter = Task.Run(mutex.Enter);
        Thread.Sleep(50);
        Assert.False(waiter.IsCompleted);

        await Task.Run(mutex.Exit);

        await waiter.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(mutex.TryEnter());
        mutex.Exit();
        Assert.True(mutex.TryEnter());
    }
}
