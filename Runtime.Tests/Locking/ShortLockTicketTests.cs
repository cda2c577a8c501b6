namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// Issue 10: DriverLock/DomainLock release by giving the mutex back with the acquisition's ticket
/// (no compare-and-swap on the handle). Exclusion under contention, waiters woken, exactly one of
/// two racing releases of one handle wins, and a stale handle never releases a later holder.
/// </summary>
[Collection(NonParallelCollection.Name)]
public sealed class ShortLockTicketTests : ValidatorScope
{
    public ShortLockTicketTests() : base(enabled: false) { }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void LockUnlock_ManyThreads_ExcludeEachOtherNoLostUpdateNoLostWakeUp(bool domain, bool dispose)
    {
        HierarchicalLock target = domain ? new DomainLock("vm") : new DriverLock();
        Func<LockHandle> take = domain ? ((DomainLock)target).Lock : ((DriverLock)target).Lock;
        Action<LockHandle> give = domain ? ((DomainLock)target).Unlock : ((DriverLock)target).Unlock;
        const int Threads = 6;
        const int Rounds = 20_000;
        int inside = 0;
        int overlaps = 0;
        long count = 0;
        Thread[] threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            for (int i = 0; i < Rounds; i++)
            {
                LockHandle handle = take();
                if (Interlocked.Increment(ref inside) != 1)
                {
                    Interlocked.Increment(ref overlaps);
                }

                count++; // unsynchronised on purpose: the lock must make it exact
                if (i % 500 == t)
                {
                    Thread.Sleep(0); // hold it across a yield now and then: others sleep on it (contended path)
                }

                Interlocked.Decrement(ref inside);
                if (dispose)
                {
                    handle.Dispose();
                }
                else
                {
                    give(handle);
                }

                Assert.False(handle.IsHeld);
            }
        })).ToArray();

        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(120)), "a thread never got the lock: lost wake-up");
        }

        Assert.Equal(0, overlaps);
        Assert.Equal((long)Threads * Rounds, count);
        give(take()); // free afterwards
    }

    [Fact]
    public void Unlock_TwoThreadsRacingOnOneHandle_ExactlyOneWinsAndTheLockStaysConsistent()
    {
        var driver = new DriverLock();
        for (int round = 0; round < 2_000; round++)
        {
            LockHandle handle = driver.Lock();
            int wins = 0;
            int refusals = 0;
            using var start = new Barrier(2);
            void Release()
            {
                start.SignalAndWait();
                try
                {
                    driver.Unlock(handle);
                    Interlocked.Increment(ref wins);
                }
                catch (LockNotHeldException)
                {
                    Interlocked.Increment(ref refusals);
                }
            }

            var other = new Thread(Release);
            other.Start();
            Release();
            Assert.True(other.Join(TimeSpan.FromSeconds(30)));

            Assert.Equal(1, wins);
            Assert.Equal(1, refusals);
            using (var contender = Contender.Start(driver.Lock))
            {
                Assert.True(contender.WaitAcquired(Timeouts.MustComplete), $"round {round}: the lock was left taken");
            }
        }
    }

    [Fact]
    public void Unlock_StaleHandle_NeverReleasesALaterHolder()
    {
        var vm = new DomainLock("vm");
        LockHandle stale = vm.Lock();
        vm.Unlock(stale);
        LockHandle? current = null;
        TestThreads.RunOnThread(() => current = vm.Lock());

        Assert.Throws<LockNotHeldException>(() => vm.Unlock(stale));
        stale.Dispose();

        Assert.True(current!.IsHeld);
        using (var contender = Contender.Start(vm.Lock))
        {
            Assert.False(contender.WaitAcquired(Timeouts.StaysBlocked));
            vm.Unlock(current);
            Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
        }
    }

    [Fact]
    public void IsHeldByCurrentThread_AfterAnotherThreadUnlockedTheHandle_IsFalse()
    {
        var vm = new DomainLock("vm");
        LockHandle handle = vm.Lock();
        Assert.True(vm.IsHeldByCurrentThread);

        TestThreads.RunOnThread(() => vm.Unlock(handle));

        Assert.False(vm.IsHeldByCurrentThread);
        Assert.Throws<LockNotHeldException>(() => vm.Suspend());
    }

    [Fact]
    public void SuspendResume_ManyThreadsOnOneDomain_ExcludeEachOther()
    {
        var vm = new DomainLock("vm");
        int inside = 0;
        int overlaps = 0;
        Thread[] threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            for (int i = 0; i < 5_000; i++)
            {
                using LockHandle handle = vm.Lock();
                Enter(ref inside, ref overlaps);
                Interlocked.Decrement(ref inside);
                LockHandle suspended = vm.Suspend(); // the monitor pattern: give it up, take it back
                Assert.True(vm.Resume(suspended));
                Assert.True(vm.IsHeldByCurrentThread);
                Enter(ref inside, ref overlaps);
                Interlocked.Decrement(ref inside);
            }
        })).ToArray();

        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(120)));
        }

        Assert.Equal(0, overlaps);

        static void Enter(ref int inside, ref int overlaps)
        {
            if (Interlocked.Increment(ref inside) != 1)
            {
                Interlocked.Increment(ref overlaps);
            }
        }
    }
}

