using System.IO;

namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// TryLock on DriverLock, DomainLock and QmpLock: a free lock is taken at once; a held one (by
/// another thread, or for QmpLock another process) gives false at once, holding nothing; the
/// validator still refuses a bad order, and hears of a try only when it succeeds.
/// </summary>
[Collection(NonParallelCollection.Name)]
public sealed class TryLockTests : ValidatorScope, IDisposable
{
    private readonly TempLockDirectory _dir = new();

    public TryLockTests() : base(enabled: true) { }

    void IDisposable.Dispose()
    {
        _dir.Dispose();
        base.Dispose();
    }

    // ---- DriverLock ----

    [Fact]
    public void DriverLock_TryLock_Free_ReturnsTrueAndHolds()
    {
        var driver = new DriverLock();

        Assert.True(driver.TryLock(out LockHandle? handle));
        Assert.True(handle.IsHeld);
        Assert.Same(driver, handle.Source);
        driver.Unlock(handle);
        Assert.False(handle.IsHeld);
    }

    [Fact]
    public void DriverLock_TryLock_HeldByAnotherThread_ReturnsFalseAtOnce()
    {
        var driver = new DriverLock();
        using var contender = Contender.Start(driver.Lock);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));

        Assert.False(driver.TryLock(out LockHandle? handle));
        Assert.Null(handle);
        Assert.Empty(LockValidator.HeldByCurrentFlow());
    }

    [Fact]
    public void DriverLock_TryLock_HeldBySameFlow_FalseWithoutThrowing()
    {
        var driver = new DriverLock();
        using LockHandle held = driver.Lock();

        // The mutex is taken: the try fails before the validator is asked, so no order exception.
        Assert.False(driver.TryLock(out _));
    }

    [Fact]
    public void DriverLock_TryLock_UnderDomainLock_ThrowsLockOrderAndHoldsNothing()
    {
        var driver = new DriverLock();
        var domain = new DomainLock("vm1");
        using (domain.Lock())
        {
            Assert.Throws<LockOrderException>(() => driver.TryLock(out _));
        }

        // The refused try gave the mutex back.
        Assert.True(driver.TryLock(out LockHandle? handle));
        handle.Dispose();
    }

    // ---- DomainLock ----

    [Fact]
    public void DomainLock_TryLock_Free_ReturnsTrueAndHolds()
    {
        var domain = new DomainLock("vm1");

        Assert.True(domain.TryLock(out LockHandle? handle));
        Assert.True(handle.IsHeld);
        Assert.Single(LockValidator.HeldByCurrentFlow());
        domain.Unlock(handle);
        Assert.Empty(LockValidator.HeldByCurrentFlow());
    }

    [Fact]
    public void DomainLock_TryLock_HeldByAnotherThread_ReturnsFalseAtOnce()
    {
        var domain = new DomainLock("vm1");
        using var contender = Contender.Start(domain.Lock);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));

        Assert.False(domain.TryLock(out LockHandle? handle));
        Assert.Null(handle);
        Assert.Empty(LockValidator.HeldByCurrentFlow());
    }

    [Fact]
    public void DomainLock_TryLock_UnderAnotherDomain_ThrowsLockOrder()
    {
        var vm1 = new DomainLock("vm1");
        var vm2 = new DomainLock("vm2");
        using (vm1.Lock())
        {
            var e = Assert.Throws<LockOrderException>(() => vm2.TryLock(out _));
            Assert.Same(vm2, e.Acquiring);
        }

        Assert.True(vm2.TryLock(out LockHandle? handle));
        handle.Dispose();
    }

    [Fact]
    public void DomainLock_TryLock_UnderDriverLock_Succeeds()
    {
        var driver = new DriverLock();
        var domain = new DomainLock("vm1");
        using LockHandle outer = driver.Lock();

        Assert.True(domain.TryLock(out LockHandle? inner));
        Assert.Equal(2, LockValidator.HeldByCurrentFlow().Count);
        inner.Dispose();
    }

    // ---- QmpLock ----

    [Fact]
    public void QmpLock_TryLock_Free_ReturnsTrueAndHoldsTheFile()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);

        Assert.True(qmp.TryLock(out LockHandle? handle));
        try
        {
            Assert.Equal(1, FlockTool.TryLockOnce(domain.QmpLockPath));
        }
        finally
        {
            qmp.Unlock(handle);
        }

        Assert.False(File.Exists(domain.QmpLockPath));
    }

    [Fact]
    public void QmpLock_TryLock_HeldByAnotherProcess_FalseAtOnceNoDescriptorLeftOpen()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        using FlockHolder holder = FlockHolder.Start(domain.QmpLockPath);
        IReadOnlyDictionary<string, string> baseline = OpenFileDescriptors.Baseline();

        Assert.False(qmp.TryLock(out LockHandle? handle));

        Assert.Null(handle);
        OpenFileDescriptors.AssertNoneOpenedSince(baseline);
        Assert.Empty(LockValidator.HeldByCurrentFlow());

        // The file is the holder's: still there, still held by it.
        holder.Release();
        Assert.True(qmp.TryLock(out LockHandle? after));
        qmp.Unlock(after);
    }

    [Fact]
    public async Task QmpLock_TryLock_HeldInThisProcess_ReturnsFalse()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        LockHandle held = await qmp.LockAsync();

        Assert.False(new QmpLock(domain).TryLock(out _)); // another instance: the file excludes it
        Assert.False(qmp.TryLock(out _));                 // the same instance: the gate excludes it

        qmp.Unlock(held);
        Assert.True(qmp.TryLock(out LockHandle? again));
        again.Dispose();
    }

    [Fact]
    public void QmpLock_TryLock_UnderDriverLock_ThrowsLockOrderAndLeavesNoFile()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        var driver = new DriverLock();
        using (driver.Lock())
        {
            Assert.Throws<LockOrderException>(() => qmp.TryLock(out _));
        }

        Assert.False(File.Exists(domain.QmpLockPath));
        Assert.True(qmp.TryLock(out LockHandle? handle));
        handle.Dispose();
    }

    [Fact]
    public void QmpLock_TryLock_DestroyedDomain_ThrowsDomainGone()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        domain.Destroy();

        Assert.Throws<DomainGoneException>(() => qmp.TryLock(out _));
        Assert.False(File.Exists(domain.QmpLockPath));
    }
}
