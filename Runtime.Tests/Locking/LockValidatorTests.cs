namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// The validator with validation switched on (each test switches it back afterwards): the order
/// checks, what it reports, and how it follows locks through threads and async flows.
/// </summary>
[Collection(NonParallelCollection.Name)]
public sealed class LockValidatorTests : ValidatorScope
{
    private readonly DriverLock _driver = new();
    private readonly DomainLock _vm1 = new("vm1");
    private readonly DomainLock _vm2 = new("vm2");

    public LockValidatorTests() : base(enabled: true) { }

    [Fact]
    public void EnvironmentVariable_IsToolstackLockValidation()
    {
        Assert.Equal("TOOLSTACK_LOCK_VALIDATION", LockValidator.EnvironmentVariable);
    }

    [Fact]
    public void IsEnabled_ReadsBackWhatWasSet()
    {
        LockValidator.IsEnabled = false;
        Assert.False(LockValidator.IsEnabled);

        LockValidator.IsEnabled = true;
        Assert.True(LockValidator.IsEnabled);
    }

    [Fact]
    public void HeldByCurrentFlow_NothingTaken_IsEmpty()
    {
        Assert.Empty(LockValidator.HeldByCurrentFlow());
    }

    [Fact]
    public void Lock_DriverThenDomain_IsAllowedAndTrackedInnermostFirst()
    {
        LockHandle driver = _driver.Lock();
        LockHandle domain = _vm1.Lock();

        Assert.Equal(new HierarchicalLock[] { _vm1, _driver }, LockValidator.HeldByCurrentFlow());

        _vm1.Unlock(domain);
        Assert.Equal(new HierarchicalLock[] { _driver }, LockValidator.HeldByCurrentFlow());
        _driver.Unlock(driver);
        Assert.Empty(LockValidator.HeldByCurrentFlow());
    }

    [Fact]
    public void Lock_DomainThenDriver_ThrowsLockOrderExceptionNamingBothLocksAndWhereTheDomainWasTaken()
    {
        (LockHandle domain, int line) = (_vm1.Lock(), SourceLine.Here());
        try
        {
            var e = Assert.Throws<LockOrderException>(() => _driver.Lock());

            Assert.Same(_driver, e.Acquiring);
            Assert.Same(_vm1, e.Held);
            string method = $"{typeof(LockValidatorTests).FullName}." +
                nameof(Lock_DomainThenDriver_ThrowsLockOrderExceptionNamingBothLocksAndWhereTheDomainWasTaken);
            Assert.StartsWith(method + " in ", e.HeldAt, StringComparison.Ordinal);
            Assert.EndsWith($"{nameof(LockValidatorTests)}.cs:line {line}", e.HeldAt, StringComparison.Ordinal);
            Assert.Contains("DriverLock 'driver'", e.Message, StringComparison.Ordinal);
            Assert.Contains("DomainLock 'vm1'", e.Message, StringComparison.Ordinal);
            Assert.Contains("level 200 must be taken before level 300", e.Message, StringComparison.Ordinal);
            Assert.Contains($"taken at {e.HeldAt}", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            _vm1.Unlock(domain);
        }
    }

    [Fact]
    public void Lock_RefusedForOrder_AcquiresNothing()
    {
        LockHandle domain = _vm1.Lock();
        try
        {
            Assert.Throws<LockOrderException>(() => _driver.Lock());

            Assert.Equal(new HierarchicalLock[] { _vm1 }, LockValidator.HeldByCurrentFlow());
            using var contender = Contender.Start(_driver.Lock);
            Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
        }
        finally
        {
            _vm1.Unlock(domain);
        }

        Assert.Empty(LockValidator.HeldByCurrentFlow());
    }

    [Fact]
    public void Lock_SameDriverTwice_ThrowsInsteadOfDeadlocking()
    {
        TestThreads.RunOnThread(() =>
        {
            using LockHandle first = _driver.Lock();

            var e = Assert.Throws<LockOrderException>(() => _driver.Lock());

            Assert.Same(_driver, e.Acquiring);
            Assert.Same(_driver, e.Held);
            Assert.Contains("the same lock twice", e.Message, StringComparison.Ordinal);
            Assert.Contains("DriverLock 'driver'", e.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Lock_SameDomainTwice_ThrowsInsteadOfDeadlocking()
    {
        TestThreads.RunOnThread(() =>
        {
            using LockHandle first = _vm1.Lock();

            var e = Assert.Throws<LockOrderException>(() => _vm1.Lock());

            Assert.Same(_vm1, e.Held);
            Assert.Contains("the same lock twice", e.Message, StringComparison.Ordinal);
            Assert.True(first.IsHeld);
        });
    }

    [Fact]
    public void Lock_TwoDomainsNested_ThrowsLockOrderExceptionNamingBoth()
    {
        LockHandle outer = _vm1.Lock();
        try
        {
            var e = Assert.Throws<LockOrderException>(() => _vm2.Lock());

            Assert.Same(_vm2, e.Acquiring);
            Assert.Same(_vm1, e.Held);
            Assert.Contains("two locks of level 300 nested", e.Message, StringComparison.Ordinal);
            Assert.Contains("DomainLock 'vm1'", e.Message, StringComparison.Ordinal);
            Assert.Contains("DomainLock 'vm2'", e.Message, StringComparison.Ordinal);
            Assert.Contains(nameof(Lock_TwoDomainsNested_ThrowsLockOrderExceptionNamingBoth), e.HeldAt, StringComparison.Ordinal);
        }
        finally
        {
            _vm1.Unlock(outer);
        }
    }

    [Fact]
    public void Lock_TwoDomainsNestedUnderDriver_ThrowsForTheInnerDomain()
    {
        using LockHandle driver = _driver.Lock();
        using LockHandle outer = _vm1.Lock();

        var e = Assert.Throws<LockOrderException>(() => _vm2.Lock());

        Assert.Same(_vm1, e.Held);
        Assert.Equal(new HierarchicalLock[] { _vm1, _driver }, LockValidator.HeldByCurrentFlow());
    }

    [Fact]
    public void Lock_UserLockType_IsCheckedByItsDeclaredLevel()
    {
        var pool = new UserLock("pool");
        using (_driver.Lock())
        using (pool.Lock())
        using (_vm1.Lock())
        {
            Assert.Equal(new HierarchicalLock[] { _vm1, pool, _driver }, LockValidator.HeldByCurrentFlow());
        }

        using LockHandle domain = _vm1.Lock();
        var e = Assert.Throws<LockOrderException>(() => pool.Lock());
        Assert.Contains("Acquiring UserLock 'pool' while holding DomainLock 'vm1'", e.Message, StringComparison.Ordinal);
        Assert.Contains("level 250 must be taken before level 300", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lock_AfterRelease_AnotherOrderIsAllowed()
    {
        using (_vm1.Lock())
        {
        }

        using (_driver.Lock())
        using (_vm1.Lock())
        {
        }

        using (_vm2.Lock())
        {
        }

        using (_vm1.Lock())
        {
        }

        using (_driver.Lock())
        {
            Assert.Equal(new HierarchicalLock[] { _driver }, LockValidator.HeldByCurrentFlow());
        }

        Assert.Empty(LockValidator.HeldByCurrentFlow());
    }

    [Fact]
    public void Unlock_OuterBeforeInner_KeepsTrackingTheInner()
    {
        LockHandle driver = _driver.Lock();
        LockHandle domain = _vm1.Lock();

        _driver.Unlock(driver);

        Assert.Equal(new HierarchicalLock[] { _vm1 }, LockValidator.HeldByCurrentFlow());
        Assert.Throws<LockOrderException>(() => _driver.Lock());
        _vm1.Unlock(domain);
        Assert.Empty(LockValidator.HeldByCurrentFlow());
        using (_driver.Lock())
        {
        }
    }

    [Fact]
    public void Unlock_InnerOfThreeAfterOuterReleased_ForgetsEachInTurn()
    {
        var user = new UserLock("pool");
        LockHandle driver = _driver.Lock();
        LockHandle pool = user.Lock();
        LockHandle domain = _vm1.Lock();

        _driver.Unlock(driver);
        Assert.Equal(new HierarchicalLock[] { _vm1, user }, LockValidator.HeldByCurrentFlow());
        pool.Dispose();
        Assert.Equal(new HierarchicalLock[] { _vm1 }, LockValidator.HeldByCurrentFlow());
        _vm1.Unlock(domain);

        Assert.Empty(LockValidator.HeldByCurrentFlow());
        using (_driver.Lock())
        using (user.Lock())
        using (_vm1.Lock())
        {
        }
    }

    [Fact]
    public async Task Unlock_OuterBeforeInner_ChildFlowSeesTheInnerReleasedToo()
    {
        using var released = new ManualResetEventSlim(false);
        LockHandle driver = _driver.Lock();
        LockHandle domain = _vm1.Lock();
        _driver.Unlock(driver);
        Task<IReadOnlyList<HierarchicalLock>> child = Task.Run(() =>
        {
            released.Wait(Timeouts.MustComplete);
            IReadOnlyList<HierarchicalLock> seen = LockValidator.HeldByCurrentFlow();
            using (_driver.Lock())
            {
            }

            return seen;
        });

        _vm1.Unlock(domain);
        released.Set();

        Assert.Empty(await child.WaitAsync(Timeouts.MustComplete));
        Assert.Empty(LockValidator.HeldByCurrentFlow());
    }

    [Fact]
    public void Unlock_ThroughWrongLock_KeepsTheHandleTracked()
    {
        LockHandle domain = _vm1.Lock();
        try
        {
            Assert.Throws<WrongLockException>(() => _driver.Unlock(domain));
            Assert.Throws<WrongLockException>(() => _vm2.Unlock(domain));

            Assert.Equal(new HierarchicalLock[] { _vm1 }, LockValidator.HeldByCurrentFlow());
            Assert.Throws<LockOrderException>(() => _driver.Lock());
        }
        finally
        {
            _vm1.Unlock(domain);
        }

        Assert.Empty(LockValidator.HeldByCurrentFlow());
    }

    [Fact]
    public void Unlock_Twice_ThrowsLockNotHeldExceptionAndTrackingStaysConsistent()
    {
        LockHandle domain = _vm1.Lock();
        _vm1.Unlock(domain);

        Assert.Throws<LockNotHeldException>(() => _vm1.Unlock(domain));
        domain.Dispose();

        Assert.Empty(LockValidator.HeldByCurrentFlow());
        using (_driver.Lock())
        using (_vm1.Lock())
        {
            Assert.Equal(new HierarchicalLock[] { _vm1, _driver }, LockValidator.HeldByCurrentFlow());
        }
    }

    [Fact]
    public async Task Lock_HeldAcrossAwait_StaysTrackedUntilReleased()
    {
        LockHandle domain = _vm1.Lock();
        try
        {
            await Task.Yield();
            await Task.Delay(1);

            Assert.Equal(new HierarchicalLock[] { _vm1 }, LockValidator.HeldByCurrentFlow());
            var e = Assert.Throws<LockOrderException>(() => _driver.Lock());
            // An async method is named as written, not as its state machine's MoveNext.
            Assert.Contains($".{nameof(Lock_HeldAcrossAwait_StaysTrackedUntilReleased)} in ", e.HeldAt, StringComparison.Ordinal);
            Assert.DoesNotContain("MoveNext", e.HeldAt, StringComparison.Ordinal);
        }
        finally
        {
            domain.Dispose();
        }

        Assert.Empty(LockValidator.HeldByCurrentFlow());
        await Task.Yield();
        Assert.Empty(LockValidator.HeldByCurrentFlow());
        using (_driver.Lock())
        {
        }
    }

    [Fact]
    public async Task AsyncCallee_HoldingAcrossAwait_TracksInItsOwnFlowOnly()
    {
        var calleeHolds = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calleeMayRelease = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task<IReadOnlyList<HierarchicalLock>> CalleeAsync()
        {
            LockHandle handle = _vm1.Lock();
            calleeHolds.SetResult();
            await calleeMayRelease.Task;
            IReadOnlyList<HierarchicalLock> seen = LockValidator.HeldByCurrentFlow();
            handle.Dispose();
            return seen;
        }

        Task<IReadOnlyList<HierarchicalLock>> callee = CalleeAsync();
        await calleeHolds.Task.WaitAsync(Timeouts.MustComplete);

        // The callee's flow holds vm1 across its await; the caller's flow does not.
        Assert.Empty(LockValidator.HeldByCurrentFlow());
        calleeMayRelease.SetResult();
        Assert.Equal(new HierarchicalLock[] { _vm1 }, await callee.WaitAsync(Timeouts.MustComplete));
        Assert.Empty(LockValidator.HeldByCurrentFlow());
    }

    [Fact]
    public async Task TaskRun_ChildFlow_InheritsTheParentsHeldLocks()
    {
        LockHandle driver = _driver.Lock();
        try
        {
            IReadOnlyList<HierarchicalLock> seen = await Task.Run(LockValidator.HeldByCurrentFlow).WaitAsync(Timeouts.MustComplete);
            Assert.Equal(new HierarchicalLock[] { _driver }, seen);

            // The child taking the parent's lock again would wait for the parent forever: refused.
            LockOrderException e = await Task.Run(() => Assert.Throws<LockOrderException>(() => _driver.Lock()))
                .WaitAsync(Timeouts.MustComplete);
            Assert.Same(_driver, e.Held);
            Assert.Contains(nameof(TaskRun_ChildFlow_InheritsTheParentsHeldLocks), e.HeldAt, StringComparison.Ordinal);

            // Inner locks are fine in the child, and nest on top of the inherited ones.
            IReadOnlyList<HierarchicalLock> nested = await Task.Run(() =>
            {
                using LockHandle domain = _vm1.Lock();
                return LockValidator.HeldByCurrentFlow();
            }).WaitAsync(Timeouts.MustComplete);
            Assert.Equal(new HierarchicalLock[] { _vm1, _driver }, nested);
        }
        finally
        {
            driver.Dispose();
        }
    }

    [Fact]
    public async Task TaskRun_ChildAcquisitions_DoNotLeakIntoTheParent()
    {
        using var childHolds = new ManualResetEventSlim(false);
        using var childMayRelease = new ManualResetEventSlim(false);
        LockHandle driver = _driver.Lock();
        try
        {
            Task child = Task.Run(() =>
            {
                LockHandle domain = _vm1.Lock();
                childHolds.Set();
                childMayRelease.Wait(Timeouts.MustComplete);
                domain.Dispose();
            });
            Assert.True(childHolds.Wait(Timeouts.MustComplete));

            Assert.Equal(new HierarchicalLock[] { _driver }, LockValidator.HeldByCurrentFlow());
            // Were the child's vm1 seen here, taking vm2 would be refused as two nested domains.
            using (_vm2.Lock())
            {
                Assert.Equal(new HierarchicalLock[] { _vm2, _driver }, LockValidator.HeldByCurrentFlow());
            }

            childMayRelease.Set();
            await child.WaitAsync(Timeouts.MustComplete);
            Assert.Equal(new HierarchicalLock[] { _driver }, LockValidator.HeldByCurrentFlow());
        }
        finally
        {
            childMayRelease.Set();
            driver.Dispose();
        }

        Assert.Empty(LockValidator.HeldByCurrentFlow());
    }

    [Fact]
    public async Task TaskRun_ChildThatEndsHoldingALock_DoesNotLeakIntoTheParent()
    {
        LockHandle leaked = await Task.Run(_vm1.Lock).WaitAsync(Timeouts.MustComplete);
        try
        {
            Assert.Empty(LockValidator.HeldByCurrentFlow());
            using (_driver.Lock())
            {
            }
        }
        finally
        {
            leaked.Dispose();
        }
    }

    [Fact]
    public async Task Dispose_InChildFlow_ReleasesTheParentsLockForTheParentToo()
    {
        LockHandle domain = _vm1.Lock();

        await Task.Run(domain.Dispose).WaitAsync(Timeouts.MustComplete);

        Assert.False(domain.IsHeld);
        Assert.Empty(LockValidator.HeldByCurrentFlow());
        using (_driver.Lock())
        {
        }
    }

    [Fact]
    public async Task Unlock_InParentFlow_IsSeenByTheChildThatInheritedTheLock()
    {
        using var released = new ManualResetEventSlim(false);
        LockHandle driver = _driver.Lock();
        Task<IReadOnlyList<HierarchicalLock>> child = Task.Run(() =>
        {
            released.Wait(Timeouts.MustComplete);
            IReadOnlyList<HierarchicalLock> seen = LockValidator.HeldByCurrentFlow();
            using (_driver.Lock())
            {
            }

            return seen;
        });

        _driver.Unlock(driver);
        released.Set();

        Assert.Empty(await child.WaitAsync(Timeouts.MustComplete));
    }

    [Fact]
    public void NewThread_InheritsTheStartingFlowsLocks()
    {
        // Thread.Start captures the execution context like Task.Run does.
        using LockHandle driver = _driver.Lock();
        IReadOnlyList<HierarchicalLock>? seen = null;
        var thread = new Thread(() => seen = LockValidator.HeldByCurrentFlow()) { IsBackground = true };

        thread.Start();

        Assert.True(thread.Join(Timeouts.MustComplete));
        Assert.Equal(new HierarchicalLock[] { _driver }, seen);
    }

    [Fact]
    public void IsEnabled_SwitchedOnWhileHolding_TheEarlierLockIsNotTracked()
    {
        LockValidator.IsEnabled = false;
        LockHandle domain = _vm1.Lock();
        try
        {
            LockValidator.IsEnabled = true;

            Assert.Empty(LockValidator.HeldByCurrentFlow());
            using (_driver.Lock())
            {
            }
        }
        finally
        {
            domain.Dispose();
        }
    }

    [Fact]
    public void IsEnabled_SwitchedOffWhileHolding_ReleaseStillForgetsTheLock()
    {
        LockHandle domain = _vm1.Lock();
        LockValidator.IsEnabled = false;
        domain.Dispose();
        LockValidator.IsEnabled = true;

        Assert.Empty(LockValidator.HeldByCurrentFlow());
        using (_driver.Lock())
        {
        }
    }

    [Fact]
    public void Lock_InterruptedWhileWaiting_LeavesNothingTracked()
    {
        // A wait that ends in an exception acquires nothing, so the validator must not keep
        // believing the waiting flow holds the lock.
        LockHandle holder = TakeUntracked(_vm1);
        using var waiting = new ManualResetEventSlim(false);
        Exception? thrown = null;
        IReadOnlyList<HierarchicalLock>? heldAfter = null;
        Exception? driverAfter = null;
        var waiter = new Thread(() =>
        {
            using (_vm2.Lock())
            {
                // Warm-up: the first acquisition loads what the call-site capture needs.
            }

            waiting.Set();
            try
            {
                _vm1.Lock().Dispose();
            }
            catch (ThreadInterruptedException e)
            {
                thrown = e;
            }

            heldAfter = LockValidator.HeldByCurrentFlow();
            try
            {
                _driver.Lock().Dispose();
            }
            catch (Exception e)
            {
                driverAfter = e;
            }
        })
        { IsBackground = true };
        try
        {
            waiter.UnsafeStart();
            Assert.True(waiting.Wait(Timeouts.MustComplete));
            Assert.True(SpinWait.SpinUntil(() => (waiter.ThreadState & ThreadState.WaitSleepJoin) != 0, Timeouts.MustComplete));

            waiter.Interrupt();

            Assert.True(waiter.Join(Timeouts.MustComplete));
        }
        finally
        {
            holder.Dispose();
        }

        Assert.IsType<ThreadInterruptedException>(thrown);
        Assert.Empty(heldAfter!);
        Assert.Null(driverAfter);
        // The interrupted wait did not take the lock either.
        using var contender = Contender.Start(_vm1.Lock);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    /// <summary>Takes the lock in a flow of its own, so the test's flow does not hold it.</summary>
    private static LockHandle TakeUntracked(DomainLock domain)
    {
        LockHandle? handle = null;
        TestThreads.RunOnThread(() => handle = domain.Lock());
        return handle!;
    }
}

/// <summary>With validation switched off, nothing is checked or tracked.</summary>
[Collection(NonParallelCollection.Name)]
public sealed class LockValidatorOffTests : ValidatorScope
{
    private readonly DriverLock _driver = new();
    private readonly DomainLock _vm1 = new("vm1");
    private readonly DomainLock _vm2 = new("vm2");

    public LockValidatorOffTests() : base(enabled: false) { }

    [Fact]
    public void Lock_DomainThenDriver_IsNotChecked()
    {
        using LockHandle domain = _vm1.Lock();
        using LockHandle driver = _driver.Lock();

        Assert.True(driver.IsHeld);
        Assert.True(domain.IsHeld);
    }

    [Fact]
    public void Lock_TwoDomainsNested_IsNotChecked()
    {
        using LockHandle outer = _vm1.Lock();
        using LockHandle inner = _vm2.Lock();

        Assert.True(inner.IsHeld);
    }

    [Fact]
    public void HeldByCurrentFlow_LocksTakenWhileOff_IsEmpty()
    {
        using LockHandle driver = _driver.Lock();
        using LockHandle domain = _vm1.Lock();

        Assert.Empty(LockValidator.HeldByCurrentFlow());
    }

    [Fact]
    public void Lock_SameLockTwiceInOneThread_WaitsBecauseItIsNotReentrant()
    {
        // Without the validator, the documented consequence: the second Lock waits for a release.
        using var firstTaken = new ManualResetEventSlim(false);
        using var secondTaken = new ManualResetEventSlim(false);
        LockHandle? first = null;
        var thread = new Thread(() =>
        {
            first = _driver.Lock();
            firstTaken.Set();
            using LockHandle second = _driver.Lock();
            secondTaken.Set();
        })
        { IsBackground = true };
        thread.UnsafeStart();
        Assert.True(firstTaken.Wait(Timeouts.MustComplete));

        Assert.False(secondTaken.Wait(Timeouts.StaysBlocked));
        first!.Dispose();

        Assert.True(secondTaken.Wait(Timeouts.MustComplete));
        Assert.True(thread.Join(Timeouts.MustComplete));
    }
}
