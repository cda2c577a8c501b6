namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// Suspending a held domain lock (entering a monitor) gives it up without ending the holder's
/// handle; resuming (leaving the monitor) takes it back into the same handle.
/// </summary>
[Collection(NonParallelCollection.Name)]
public sealed class DomainLockSuspendTests : ValidatorScope
{
    public DomainLockSuspendTests() : base(enabled: true) { }

    [Fact]
    public void Suspend_HeldLock_OtherThreadsCanTakeItAndResumeTakesItBack()
    {
        var vm = new DomainLock("vm1");
        LockHandle handle = vm.Lock();

        LockHandle suspended = vm.Suspend();

        Assert.Same(handle, suspended);
        Assert.True(handle.IsSuspended);
        Assert.False(handle.IsHeld);
        using (var contender = Contender.Start(vm.Lock))
        {
            Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
        }

        Assert.True(vm.Resume(handle));
        Assert.True(handle.IsHeld);
        using (var contender = Contender.Start(vm.Lock))
        {
            Assert.False(contender.WaitAcquired(Timeouts.StaysBlocked));
            handle.Dispose();
            Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
        }

        Assert.False(handle.IsHeld);
    }

    [Fact]
    public void Resume_WhileAnotherThreadHoldsIt_WaitsForIt()
    {
        var vm = new DomainLock("vm1");
        LockHandle handle = vm.Lock();
        vm.Suspend();
        bool resumed = false;
        using (var other = Contender.Start(vm.Lock))
        {
            Assert.True(other.WaitAcquired(Timeouts.MustComplete));
            var resumer = new Thread(() => resumed = vm.Resume(handle)) { IsBackground = true };
            resumer.Start();

            Assert.False(resumer.Join(Timeouts.StaysBlocked));
            other.Dispose();
            Assert.True(resumer.Join(Timeouts.MustComplete));
        }

        Assert.True(resumed);
        Assert.True(handle.IsHeld);
        vm.Unlock(handle);
    }

    [Fact]
    public void Suspend_NotHeld_ThrowsLockNotHeldException()
    {
        var vm = new DomainLock("vm1");

        Assert.Throws<LockNotHeldException>(() => vm.Suspend());
    }

    [Fact]
    public void Suspend_HeldByAnotherThread_ThrowsLockNotHeld_AndTheHolderKeepsIt()
    {
        var vm = new DomainLock("vm1");
        LockHandle handle = RunOnOtherThread(vm.Lock);

        LockNotHeldException thrown = Assert.Throws<LockNotHeldException>(() => vm.Suspend());

        Assert.Contains("not held by the calling thread", thrown.Message, StringComparison.Ordinal);
        Assert.True(handle.IsHeld);
        Assert.False(handle.IsSuspended);
        using (var contender = Contender.Start(vm.Lock))
        {
            Assert.False(contender.WaitAcquired(Timeouts.StaysBlocked));
            RunOnOtherThread(() => { vm.Unlock(handle); return 0; });
            Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
        }
    }

    [Fact]
    public void IsHeldByCurrentThread_OnlyOnTheTakingThread_AndAgainAfterResumeOnAnotherThread()
    {
        var vm = new DomainLock("vm1");
        LockHandle handle = vm.Lock();
        Assert.True(vm.IsHeldByCurrentThread);
        Assert.False(RunOnOtherThread(() => vm.IsHeldByCurrentThread));

        vm.Suspend();
        Assert.False(vm.IsHeldByCurrentThread);

        // Leaving a monitor after an await resumes on whatever thread the continuation runs on.
        Assert.True(RunOnOtherThread(() => vm.Resume(handle) && vm.IsHeldByCurrentThread));
        Assert.False(vm.IsHeldByCurrentThread);
        RunOnOtherThread(() => { handle.Dispose(); return 0; });
        Assert.False(vm.IsHeldByCurrentThread);
    }

    private static T RunOnOtherThread<T>(Func<T> action)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        Assert.True(thread.Join(Timeouts.MustComplete));
        if (failure is not null)
        {
            throw new InvalidOperationException("The other thread failed.", failure);
        }

        return result;
    }

    [Fact]
    public void DisposeWhileSuspended_ReleasesTheHandleOnly_ResumeThenReturnsFalse()
    {
        var vm = new DomainLock("vm1");
        LockHandle handle = vm.Lock();
        vm.Suspend();
        LockHandle other = vm.Lock();

        handle.Dispose();

        // The other holder keeps the lock: the suspended handle had nothing left to give back.
        Assert.True(other.IsHeld);
        using (var contender = Contender.Start(vm.Lock))
        {
            Assert.False(contender.WaitAcquired(Timeouts.StaysBlocked));
            other.Dispose();
            Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
        }

        Assert.False(vm.Resume(handle));
        vm.Lock().Dispose();
    }

    [Fact]
    public void UnlockWhileSuspended_DoesNotThrow_AndHandleIsReleased()
    {
        var vm = new DomainLock("vm1");
        LockHandle handle = vm.Lock();
        vm.Suspend();

        vm.Unlock(handle);

        Assert.False(handle.IsHeld);
        Assert.False(handle.IsSuspended);
        Assert.Throws<LockNotHeldException>(() => vm.Unlock(handle));
    }

    [Fact]
    public void Validator_WhileSuspended_TheFlowDoesNotHoldIt_AfterResumeItDoes()
    {
        var driver = new DriverLock();
        var vm = new DomainLock("vm1");
        LockHandle handle = vm.Lock();
        vm.Suspend();

        Assert.Empty(LockValidator.HeldByCurrentFlow());
        driver.Lock().Dispose();

        Assert.True(vm.Resume(handle));
        Assert.Equal(new HierarchicalLock[] { vm }, LockValidator.HeldByCurrentFlow());
        Assert.Throws<LockOrderException>(() => driver.Lock());
        handle.Dispose();
        Assert.Empty(LockValidator.HeldByCurrentFlow());
    }
}
