namespace Toolstack.Runtime.Tests.Locking;

public sealed class DriverLockTests
{
    [Fact]
    public void Constructor_Default_IsNamedDriver()
    {
        var driver = new DriverLock();

        Assert.Equal("driver", driver.Name);
    }

    [Fact]
    public void Constructor_WithName_KeepsTheName()
    {
        var driver = new DriverLock("qemu-driver");

        Assert.Equal("qemu-driver", driver.Name);
    }

    [Fact]
    public void Constructor_NullName_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => new DriverLock(null!));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Constructor_BlankName_ThrowsArgumentException(string name)
    {
        Assert.Throws<ArgumentException>(() => new DriverLock(name));
    }

    [Fact]
    public void Declaration_IsLevel200ForbidsBlockingNotSlow()
    {
        HierarchicalLock driver = new DriverLock();

        Assert.Equal(LockLevels.Driver, driver.Level);
        Assert.Equal(200, driver.Level);
        Assert.True(driver.ForbidsBlocking);
        Assert.False(driver.IsSlow);
    }

    [Fact]
    public void ToString_NamesTypeAndName()
    {
        Assert.Equal("DriverLock 'driver'", new DriverLock().ToString());
        Assert.Equal("DriverLock 'other'", new DriverLock("other").ToString());
    }

    [Fact]
    public void Lock_HeldByAnotherThread_WaitsUntilUnlock()
    {
        var driver = new DriverLock();
        LockHandle handle = driver.Lock();

        using var contender = Contender.Start(driver.Lock);
        Assert.False(contender.WaitAcquired(Timeouts.StaysBlocked));

        driver.Unlock(handle);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Fact]
    public void Lock_TwoDriverInstances_AreIndependent()
    {
        var first = new DriverLock("first");
        var second = new DriverLock("second");
        LockHandle handle = first.Lock();
        try
        {
            using var contender = Contender.Start(second.Lock);
            Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
        }
        finally
        {
            first.Unlock(handle);
        }
    }

    [Fact]
    public void Unlock_NullHandle_ThrowsArgumentNullException()
    {
        var driver = new DriverLock();

        var e = Assert.Throws<ArgumentNullException>(() => driver.Unlock(null!));

        Assert.Equal("handle", e.ParamName);
    }

    [Fact]
    public void Unlock_HandleFromDomainLock_ThrowsWrongLockExceptionNamingBothLocks()
    {
        var driver = new DriverLock();
        var domain = new DomainLock("vm1");
        LockHandle handle = domain.Lock();
        try
        {
            var e = Assert.Throws<WrongLockException>(() => driver.Unlock(handle));

            Assert.Same(domain, e.Issuer);
            Assert.Same(driver, e.Releaser);
            Assert.Contains("DomainLock 'vm1'", e.Message, StringComparison.Ordinal);
            Assert.Contains("DriverLock 'driver'", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            domain.Unlock(handle);
        }
    }

    [Fact]
    public void Unlock_HandleFromDomainLock_LeavesTheDomainLockHeld()
    {
        var driver = new DriverLock();
        var domain = new DomainLock("vm1");
        LockHandle handle = domain.Lock();

        Assert.Throws<WrongLockException>(() => driver.Unlock(handle));

        Assert.True(handle.IsHeld);
        using var contender = Contender.Start(domain.Lock);
        Assert.False(contender.WaitAcquired(Timeouts.StaysBlocked));
        domain.Unlock(handle);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Fact]
    public void Unlock_HandleFromDomainLock_DoesNotReleaseTheDriver()
    {
        var driver = new DriverLock();
        var domain = new DomainLock("vm1");
        LockHandle driverHandle = driver.Lock();
        LockHandle domainHandle = domain.Lock();

        Assert.Throws<WrongLockException>(() => driver.Unlock(domainHandle));

        Assert.True(driverHandle.IsHeld);
        using var contender = Contender.Start(driver.Lock);
        Assert.False(contender.WaitAcquired(Timeouts.StaysBlocked));
        domain.Unlock(domainHandle);
        driver.Unlock(driverHandle);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Fact]
    public void Unlock_HandleFromOtherInstance_ThrowsWrongLockException()
    {
        var first = new DriverLock("first");
        var second = new DriverLock("second");
        LockHandle handle = first.Lock();

        var e = Assert.Throws<WrongLockException>(() => second.Unlock(handle));

        Assert.Same(first, e.Issuer);
        Assert.Same(second, e.Releaser);
        Assert.Contains("DriverLock 'first'", e.Message, StringComparison.Ordinal);
        Assert.Contains("DriverLock 'second'", e.Message, StringComparison.Ordinal);
        Assert.True(handle.IsHeld);
        using var contender = Contender.Start(first.Lock);
        Assert.False(contender.WaitAcquired(Timeouts.StaysBlocked));
        first.Unlock(handle);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Fact]
    public void Unlock_ReleasedHandleThroughWrongLock_ThrowsWrongLockException()
    {
        // The issuer is checked first: a released handle offered to another lock is still the
        // wrong lock, not "not held".
        var driver = new DriverLock();
        var domain = new DomainLock("vm1");
        LockHandle handle = domain.Lock();
        domain.Unlock(handle);

        Assert.Throws<WrongLockException>(() => driver.Unlock(handle));
    }
}
