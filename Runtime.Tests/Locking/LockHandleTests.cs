namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// The handle's lifetime, the same for every in-memory lock: held from <c>Lock</c> until released
/// exactly once, through <c>Unlock</c> or by disposing it; disposing is idempotent.
/// </summary>
public sealed class LockHandleTests
{
    [Theory]
    [InlineData(TestLock.Driver)]
    [InlineData(TestLock.Domain)]
    public void Lock_ReturnsHeldHandleWhoseSourceIsTheIssuingLock(string kind)
    {
        TestLock target = TestLock.Create(kind);

        LockHandle handle = target.Lock();
        try
        {
            Assert.True(handle.IsHeld);
            Assert.Same(target.Target, handle.Source);
        }
        finally
        {
            target.Unlock(handle);
        }
    }

    [Theory]
    [InlineData(TestLock.Driver)]
    [InlineData(TestLock.Domain)]
    public void Lock_EachAcquisitionIssuesANewHandle(string kind)
    {
        TestLock target = TestLock.Create(kind);
        LockHandle first = target.Lock();
        target.Unlock(first);

        LockHandle second = target.Lock();
        try
        {
            Assert.NotSame(first, second);
            Assert.False(first.IsHeld);
            Assert.True(second.IsHeld);
        }
        finally
        {
            target.Unlock(second);
        }
    }

    [Theory]
    [InlineData(TestLock.Driver)]
    [InlineData(TestLock.Domain)]
    public void Unlock_HeldHandle_MarksItReleasedAndFreesTheLock(string kind)
    {
        TestLock target = TestLock.Create(kind);
        LockHandle handle = target.Lock();

        target.Unlock(handle);

        Assert.False(handle.IsHeld);
        using var contender = Contender.Start(target.Lock);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Theory]
    [InlineData(TestLock.Driver)]
    [InlineData(TestLock.Domain)]
    public void Dispose_HeldHandle_MarksItReleasedAndFreesTheLock(string kind)
    {
        TestLock target = TestLock.Create(kind);
        LockHandle handle = target.Lock();

        handle.Dispose();

        Assert.False(handle.IsHeld);
        using var contender = Contender.Start(target.Lock);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Theory]
    [InlineData(TestLock.Driver)]
    [InlineData(TestLock.Domain)]
    public void Dispose_Twice_IsNoOpAndDoesNotReleaseTheNextHolder(string kind)
    {
        TestLock target = TestLock.Create(kind);
        LockHandle stale = target.Lock();
        stale.Dispose();
        LockHandle current = target.Lock();

        stale.Dispose();

        Assert.False(stale.IsHeld);
        Assert.True(current.IsHeld);
        using var contender = Contender.Start(target.Lock);
        Assert.False(contender.WaitAcquired(Timeouts.StaysBlocked));
        target.Unlock(current);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Theory]
    [InlineData(TestLock.Driver)]
    [InlineData(TestLock.Domain)]
    public void Dispose_AfterUnlock_IsNoOp(string kind)
    {
        TestLock target = TestLock.Create(kind);
        LockHandle stale = target.Lock();
        target.Unlock(stale);
        LockHandle current = target.Lock();

        stale.Dispose();

        Assert.True(current.IsHeld);
        using var contender = Contender.Start(target.Lock);
        Assert.False(contender.WaitAcquired(Timeouts.StaysBlocked));
        current.Dispose();
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Theory]
    [InlineData(TestLock.Driver)]
    [InlineData(TestLock.Domain)]
    public void Unlock_AfterDispose_ThrowsLockNotHeldException(string kind)
    {
        TestLock target = TestLock.Create(kind);
        LockHandle handle = target.Lock();
        handle.Dispose();

        var e = Assert.Throws<LockNotHeldException>(() => target.Unlock(handle));

        Assert.Same(target.Target, e.Lock);
        Assert.Contains(target.Target.ToString(), e.Message, StringComparison.Ordinal);
        Assert.False(handle.IsHeld);
    }

    [Theory]
    [InlineData(TestLock.Driver)]
    [InlineData(TestLock.Domain)]
    public void Unlock_Twice_ThrowsLockNotHeldException(string kind)
    {
        TestLock target = TestLock.Create(kind);
        LockHandle handle = target.Lock();
        target.Unlock(handle);

        var e = Assert.Throws<LockNotHeldException>(() => target.Unlock(handle));

        Assert.Same(target.Target, e.Lock);
        Assert.Contains(target.Target.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains("already released", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TestLock.Driver)]
    [InlineData(TestLock.Domain)]
    public void Unlock_StaleHandleWhileLockHeldAgain_ThrowsAndDoesNotReleaseTheNewHolder(string kind)
    {
        TestLock target = TestLock.Create(kind);
        LockHandle stale = target.Lock();
        target.Unlock(stale);
        LockHandle current = target.Lock();

        Assert.Throws<LockNotHeldException>(() => target.Unlock(stale));

        using var contender = Contender.Start(target.Lock);
        Assert.False(contender.WaitAcquired(Timeouts.StaysBlocked));
        target.Unlock(current);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Theory]
    [InlineData(TestLock.Driver)]
    [InlineData(TestLock.Domain)]
    public async Task DisposeAsync_HeldHandle_ReleasesSynchronously(string kind)
    {
        TestLock target = TestLock.Create(kind);
        LockHandle handle = target.Lock();

        ValueTask disposal = handle.DisposeAsync();

        Assert.True(disposal.IsCompletedSuccessfully);
        await disposal;
        Assert.False(handle.IsHeld);
        using var contender = Contender.Start(target.Lock);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Theory]
    [InlineData(TestLock.Driver)]
    [InlineData(TestLock.Domain)]
    public async Task DisposeAsync_Twice_IsNoOpAndDoesNotReleaseTheNextHolder(string kind)
    {
        TestLock target = TestLock.Create(kind);
        LockHandle stale = target.Lock();
        await stale.DisposeAsync();
        LockHandle current = target.Lock();

        ValueTask second = stale.DisposeAsync();

        Assert.True(second.IsCompletedSuccessfully);
        await second;
        Assert.True(current.IsHeld);
        using var contender = Contender.Start(target.Lock);
        Assert.False(contender.WaitAcquired(Timeouts.StaysBlocked));
        await current.DisposeAsync();
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Theory]
    [InlineData(TestLock.Driver)]
    [InlineData(TestLock.Domain)]
    public async Task Unlock_AfterDisposeAsync_ThrowsLockNotHeldException(string kind)
    {
        TestLock target = TestLock.Create(kind);
        LockHandle handle = target.Lock();
        await handle.DisposeAsync();

        var e = Assert.Throws<LockNotHeldException>(() => target.Unlock(handle));

        Assert.Same(target.Target, e.Lock);
    }

    [Fact]
    public async Task AwaitUsing_ReleasesTheLockAtTheEndOfTheScope()
    {
        var domain = new DomainLock("vm1");
        LockHandle observed;

        await using (LockHandle handle = domain.Lock())
        {
            observed = handle;
            Assert.True(handle.IsHeld);
        }

        Assert.False(observed.IsHeld);
        using var contender = Contender.Start(domain.Lock);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Fact]
    public void Using_ExceptionInScope_ReleasesTheLock()
    {
        var driver = new DriverLock();
        LockHandle? observed = null;

        void UseAndThrow()
        {
            using LockHandle handle = driver.Lock();
            observed = handle;
            throw new FormatException("boom");
        }

        Assert.Throws<FormatException>(UseAndThrow);

        Assert.NotNull(observed);
        Assert.False(observed.IsHeld);
        using var contender = Contender.Start(driver.Lock);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Fact]
    public void ToString_HeldHandle_NamesItsSource()
    {
        var domain = new DomainLock("vm1");
        LockHandle handle = domain.Lock();
        try
        {
            Assert.Equal("handle of DomainLock 'vm1'", handle.ToString());
        }
        finally
        {
            domain.Unlock(handle);
        }
    }

    [Fact]
    public void ToString_ReleasedHandle_SaysReleased()
    {
        var driver = new DriverLock();
        LockHandle handle = driver.Lock();
        handle.Dispose();

        Assert.Equal("handle of DriverLock 'driver' (released)", handle.ToString());
    }

    [Theory]
    [InlineData(TestLock.Driver)]
    [InlineData(TestLock.Domain)]
    public void Dispose_OnAnotherThread_ReleasesTheLock(string kind)
    {
        TestLock target = TestLock.Create(kind);
        LockHandle handle = target.Lock();

        TestThreads.RunOnThread(handle.Dispose);

        Assert.False(handle.IsHeld);
        using var contender = Contender.Start(target.Lock);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Theory]
    [InlineData(TestLock.Driver)]
    [InlineData(TestLock.Domain)]
    public void Unlock_RacingFromManyThreads_ExactlyOneSucceeds(string kind)
    {
        const int Racers = 8;
        TestLock target = TestLock.Create(kind);
        for (int round = 0; round < 50; round++)
        {
            LockHandle handle = target.Lock();
            int succeeded = 0;
            int notHeld = 0;
            var others = new List<Exception>();
            using var go = new Barrier(Racers);
            var threads = Enumerable.Range(0, Racers).Select(i => new Thread(() =>
            {
                go.SignalAndWait();
                try
                {
                    // Half release by Unlock, half by Dispose, which must not count twice either.
                    if (i % 2 == 0)
                    {
                        target.Unlock(handle);
                        Interlocked.Increment(ref succeeded);
                    }
                    else
                    {
                        handle.Dispose();
                    }
                }
                catch (LockNotHeldException)
                {
                    Interlocked.Increment(ref notHeld);
                }
                catch (Exception e)
                {
                    lock (others)
                    {
                        others.Add(e);
                    }
                }
            })
            { IsBackground = true }).ToList();
            threads.ForEach(t => t.Start());
            Assert.All(threads, t => Assert.True(t.Join(Timeouts.MustComplete)));

            // SemaphoreSlim(1, 1) throws SemaphoreFullException on a second release.
            Assert.Empty(others);
            Assert.InRange(succeeded, 0, 1);
            Assert.Equal(Racers / 2, succeeded + notHeld);
            Assert.False(handle.IsHeld);

            // Released exactly once: one holder gets in, a second one waits.
            LockHandle next = target.Lock();
            using (var contender = Contender.Start(target.Lock))
            {
                Assert.False(contender.WaitAcquired(TimeSpan.FromMilliseconds(round == 0 ? 200 : 1)));
                target.Unlock(next);
                Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
            }
        }
    }
}
