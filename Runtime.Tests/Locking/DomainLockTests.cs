namespace Toolstack.Runtime.Tests.Locking;

public sealed class DomainLockTests
{
    [Fact]
    public void Constructor_KeepsTheName()
    {
        var domain = new DomainLock("vm1");

        Assert.Equal("vm1", domain.Name);
    }

    [Fact]
    public void Constructor_NullName_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => new DomainLock(null!));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \t")]
    public void Constructor_BlankName_ThrowsArgumentException(string name)
    {
        Assert.Throws<ArgumentException>(() => new DomainLock(name));
    }

    [Fact]
    public void Declaration_IsLevel300ShortAndMayBlock()
    {
        HierarchicalLock domain = new DomainLock("vm1");

        Assert.Equal(LockLevels.Domain, domain.Level);
        Assert.Equal(300, domain.Level);
        Assert.False(domain.ForbidsBlocking);
        Assert.False(domain.IsSlow);
    }

    [Fact]
    public void Level_IsInsideTheDriverLock()
    {
        Assert.True(new DriverLock().Level < new DomainLock("vm1").Level);
    }

    [Fact]
    public void ToString_NamesTypeAndName()
    {
        Assert.Equal("DomainLock 'vm1'", new DomainLock("vm1").ToString());
    }

    [Fact]
    public void Lock_HeldByAnotherThread_WaitsUntilUnlock()
    {
        var domain = new DomainLock("vm1");
        LockHandle handle = domain.Lock();

        using var contender = Contender.Start(domain.Lock);
        Assert.False(contender.WaitAcquired(Timeouts.StaysBlocked));

        domain.Unlock(handle);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Fact]
    public void Lock_HeldByAnotherThread_WaitsUntilDispose()
    {
        var domain = new DomainLock("vm1");
        LockHandle handle = domain.Lock();

        using var contender = Contender.Start(domain.Lock);
        Assert.False(contender.WaitAcquired(Timeouts.StaysBlocked));

        handle.Dispose();
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Fact]
    public void Lock_OtherDomainHeld_DoesNotWait()
    {
        var vm1 = new DomainLock("vm1");
        var vm2 = new DomainLock("vm2");
        LockHandle handle = vm1.Lock();
        try
        {
            using var contender = Contender.Start(vm2.Lock);
            Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
        }
        finally
        {
            vm1.Unlock(handle);
        }
    }

    [Fact]
    public void Lock_SameNameDifferentInstances_AreDifferentLocks()
    {
        // A lock is its instance, not its name.
        var a = new DomainLock("vm1");
        var b = new DomainLock("vm1");
        LockHandle handle = a.Lock();
        try
        {
            using var contender = Contender.Start(b.Lock);
            Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
            Assert.Throws<WrongLockException>(() => b.Unlock(handle));
        }
        finally
        {
            a.Unlock(handle);
        }
    }

    [Fact]
    public void Lock_ManyWaiters_AreAdmittedOneAtATime()
    {
        var domain = new DomainLock("vm1");
        LockHandle first = domain.Lock();
        var contenders = Enumerable.Range(0, 3).Select(_ => Contender.Start(domain.Lock)).ToList();
        try
        {
            Assert.DoesNotContain(contenders, c => c.WaitAcquired(Timeouts.StaysBlocked));

            domain.Unlock(first);

            // Exactly one gets in; the others keep waiting until it lets go.
            Contender winner = WaitForAny(contenders);
            Assert.DoesNotContain(contenders.Where(c => c != winner), c => c.WaitAcquired(Timeouts.StaysBlocked));
            winner.Dispose();
            contenders.Remove(winner);
            Contender next = WaitForAny(contenders);
            Assert.DoesNotContain(contenders.Where(c => c != next), c => c.WaitAcquired(Timeouts.StaysBlocked));
        }
        finally
        {
            // Each contender releases on dispose, which admits the next one: dispose them in the
            // order they get in.
            first.Dispose();
            while (contenders.Count > 0)
            {
                Contender holder = WaitForAny(contenders);
                holder.Dispose();
                contenders.Remove(holder);
            }
        }
    }

    private static Contender WaitForAny(List<Contender> contenders)
    {
        DateTime deadline = DateTime.UtcNow + Timeouts.MustComplete;
        while (DateTime.UtcNow < deadline)
        {
            foreach (Contender c in contenders)
            {
                if (c.WaitAcquired(TimeSpan.FromMilliseconds(10)))
                {
                    return c;
                }
            }
        }

        Assert.Fail("No waiter was admitted after the release.");
        return null!;
    }

    [Fact]
    public void Unlock_NullHandle_ThrowsArgumentNullException()
    {
        var domain = new DomainLock("vm1");

        var e = Assert.Throws<ArgumentNullException>(() => domain.Unlock(null!));

        Assert.Equal("handle", e.ParamName);
    }

    [Fact]
    public void Unlock_HandleFromOtherInstance_ThrowsWrongLockExceptionNamingBothLocks()
    {
        var vm1 = new DomainLock("vm1");
        var vm2 = new DomainLock("vm2");
        LockHandle handle = vm1.Lock();
        try
        {
            var e = Assert.Throws<WrongLockException>(() => vm2.Unlock(handle));

            Assert.Same(vm1, e.Issuer);
            Assert.Same(vm2, e.Releaser);
            Assert.Contains("DomainLock 'vm1'", e.Message, StringComparison.Ordinal);
            Assert.Contains("DomainLock 'vm2'", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            vm1.Unlock(handle);
        }
    }

    [Fact]
    public void Unlock_HandleFromOtherInstance_LeavesTheIssuingLockHeld()
    {
        var vm1 = new DomainLock("vm1");
        var vm2 = new DomainLock("vm2");
        LockHandle handle = vm1.Lock();

        Assert.Throws<WrongLockException>(() => vm2.Unlock(handle));

        Assert.True(handle.IsHeld);
        using var contender = Contender.Start(vm1.Lock);
        Assert.False(contender.WaitAcquired(Timeouts.StaysBlocked));
        vm1.Unlock(handle);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Fact]
    public void Unlock_HandleFromOtherInstance_DoesNotReleaseTheOtherInstance()
    {
        var vm1 = new DomainLock("vm1");
        var vm2 = new DomainLock("vm2");
        LockHandle handle1 = vm1.Lock();
        LockHandle handle2 = TakeOnOtherThread(vm2);

        Assert.Throws<WrongLockException>(() => vm2.Unlock(handle1));

        using var contender = Contender.Start(vm2.Lock);
        Assert.False(contender.WaitAcquired(Timeouts.StaysBlocked));
        vm2.Unlock(handle2);
        vm1.Unlock(handle1);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Fact]
    public void Unlock_HandleFromDriverLock_ThrowsWrongLockExceptionAndDriverStaysHeld()
    {
        var driver = new DriverLock();
        var domain = new DomainLock("vm1");
        LockHandle handle = driver.Lock();

        var e = Assert.Throws<WrongLockException>(() => domain.Unlock(handle));

        Assert.Same(driver, e.Issuer);
        Assert.Same(domain, e.Releaser);
        Assert.Contains("DriverLock 'driver'", e.Message, StringComparison.Ordinal);
        Assert.Contains("DomainLock 'vm1'", e.Message, StringComparison.Ordinal);
        Assert.True(handle.IsHeld);
        using var contender = Contender.Start(driver.Lock);
        Assert.False(contender.WaitAcquired(Timeouts.StaysBlocked));
        driver.Unlock(handle);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    /// <summary>Takes the lock in another flow, so no validator setting can object to nesting.</summary>
    private static LockHandle TakeOnOtherThread(DomainLock domain)
    {
        LockHandle? handle = null;
        TestThreads.RunOnThread(() => handle = domain.Lock());
        return handle!;
    }
}
