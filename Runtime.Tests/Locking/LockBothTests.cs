namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// <see cref="DomainLock.LockBoth"/>: two domains' locks in one canonical order, whatever the
/// argument order; the validator accepts that nesting and no other of one level.
/// </summary>
[Collection(NonParallelCollection.Name)]
public sealed class LockBothTests : ValidatorScope
{
    private const int Rounds = 10_000;

    // Constructed in this order: _vm1 comes first in the canonical order.
    private readonly DomainLock _vm1 = new("vm1");
    private readonly DomainLock _vm2 = new("vm2");

    public LockBothTests() : base(enabled: false) { }

    [Fact]
    public void LockBoth_OppositeArgumentOrdersOnTwoThreads_NeverDeadlock()
    {
        Exception? failure = null;
        void Run(DomainLock x, DomainLock y)
        {
            try
            {
                for (int i = 0; i < Rounds; i++)
                {
                    using LockPair pair = DomainLock.LockBoth(x, y);
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        }

        var forward = new Thread(() => Run(_vm1, _vm2)) { IsBackground = true };
        var backward = new Thread(() => Run(_vm2, _vm1)) { IsBackground = true };
        forward.Start();
        backward.Start();

        // A deadlock would hang both threads: bounded wait, then fail.
        Assert.True(forward.Join(TimeSpan.FromSeconds(60)), "LockBoth(a, b) did not finish: deadlock");
        Assert.True(backward.Join(TimeSpan.FromSeconds(60)), "LockBoth(b, a) did not finish: deadlock");
        Assert.Null(failure);
    }

    [Fact]
    public void LockBoth_HandlesAreInArgumentOrder()
    {
        using LockPair pair = DomainLock.LockBoth(_vm2, _vm1);

        Assert.Same(_vm2, pair.First.Source);
        Assert.Same(_vm1, pair.Second.Source);
        Assert.True(pair.First.IsHeld);
        Assert.True(pair.Second.IsHeld);
    }

    [Fact]
    public void LockBoth_TakesTheSameLockFirstWhateverTheArgumentOrder()
    {
        using (LockPair forward = DomainLock.LockBoth(_vm1, _vm2))
        {
            Assert.Same(_vm1, forward.TakenFirst.Source);
        }

        using LockPair backward = DomainLock.LockBoth(_vm2, _vm1);
        Assert.Same(_vm1, backward.TakenFirst.Source);
        Assert.Same(_vm2, backward.TakenSecond.Source);
    }

    [Fact]
    public void Dispose_ReleasesTheLockTakenSecondFirst()
    {
        LockPair pair = DomainLock.LockBoth(_vm2, _vm1);
        LockHandle inner = pair.TakenSecond;

        // A contender for the outer lock looks at the inner handle the moment it gets the lock:
        // released in reverse order, the inner one was already given back (its release happened
        // before the outer mutex was). The other order shows only when the contender is quick.
        bool? innerHeldWhenOuterFree = null;
        using var contender = Contender.Start(() =>
        {
            LockHandle outer = _vm1.Lock();
            innerHeldWhenOuterFree = inner.IsHeld;
            return outer;
        });
        Assert.False(contender.WaitAcquired(Timeouts.StaysBlocked));

        pair.Dispose();

        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
        Assert.False(innerHeldWhenOuterFree);
        Assert.False(pair.First.IsHeld);
        Assert.False(pair.Second.IsHeld);
    }

    [Fact]
    public void Dispose_Twice_IsIdempotent()
    {
        LockPair pair = DomainLock.LockBoth(_vm1, _vm2);

        pair.Dispose();
        pair.Dispose();

        Assert.False(pair.First.IsHeld);
        Assert.False(pair.Second.IsHeld);
    }

    [Fact]
    public void Dispose_DefaultPair_DoesNothing()
    {
        default(LockPair).Dispose();
    }

    [Fact]
    public void EachHandle_ReleasedThroughItsLock_FreesBoth()
    {
        LockPair pair = DomainLock.LockBoth(_vm1, _vm2);

        _vm1.Unlock(pair.First);
        _vm2.Unlock(pair.Second);

        using var contender = Contender.Start(() => DomainLock.LockBoth(_vm1, _vm2).TakenFirst);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Fact]
    public void LockBoth_SameLockTwice_ThrowsArgumentExceptionAndHoldsNothing()
    {
        var e = Assert.Throws<ArgumentException>(() => DomainLock.LockBoth(_vm1, _vm1));

        Assert.Equal("second", e.ParamName);
        using var contender = Contender.Start(_vm1.Lock);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Fact]
    public void LockBoth_Null_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => DomainLock.LockBoth(_vm1, null!));
        Assert.Throws<ArgumentNullException>(() => DomainLock.LockBoth(null!, _vm1));
    }

    [Fact]
    public void LockBoth_SecondAcquisitionInterrupted_ReleasesTheFirst()
    {
        // _vm2 is the inner lock: LockBoth takes _vm1, then waits for _vm2, which a contender holds.
        using var holder = Contender.Start(_vm2.Lock);
        Assert.True(holder.WaitAcquired(Timeouts.MustComplete));

        Exception? thrown = null;
        var caller = new Thread(() =>
        {
            try
            {
                DomainLock.LockBoth(_vm2, _vm1).Dispose();
            }
            catch (Exception e)
            {
                thrown = e;
            }
        })
        { IsBackground = true };
        caller.Start();
        Thread.Sleep(Timeouts.StaysBlocked);
        caller.Interrupt();

        Assert.True(caller.Join(Timeouts.MustComplete));
        Assert.IsType<ThreadInterruptedException>(thrown);
        using var contender = Contender.Start(_vm1.Lock);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete), "the first lock was left held");
    }

    [Fact]
    public void ValidatorOn_LockBoth_Passes()
    {
        LockValidator.IsEnabled = true;

        using (LockPair pair = DomainLock.LockBoth(_vm2, _vm1))
        {
            Assert.Equal(new HierarchicalLock[] { _vm2, _vm1 }, LockValidator.HeldByCurrentFlow());
        }

        Assert.Empty(LockValidator.HeldByCurrentFlow());
    }

    [Fact]
    public void ValidatorOn_LockBothUnderTheDriverLock_Passes()
    {
        LockValidator.IsEnabled = true;
        var driver = new DriverLock();

        using LockHandle outer = driver.Lock();
        using LockPair pair = DomainLock.LockBoth(_vm1, _vm2);

        Assert.Equal(3, LockValidator.HeldByCurrentFlow().Count);
    }

    [Fact]
    public void ValidatorOn_ManualNestingOfTwoDomains_Throws()
    {
        LockValidator.IsEnabled = true;

        using LockHandle first = _vm1.Lock();
        var e = Assert.Throws<LockOrderException>(() => _vm2.Lock());

        Assert.Same(_vm1, e.Held);
    }

    [Fact]
    public void ValidatorOn_ThirdDomainUnderThePair_Throws()
    {
        LockValidator.IsEnabled = true;
        var vm3 = new DomainLock("vm3");

        using LockPair pair = DomainLock.LockBoth(_vm1, _vm2);

        Assert.Throws<LockOrderException>(() => vm3.Lock());
    }

    [Fact]
    public void ValidatorOn_LockBothWhileADomainIsHeld_ThrowsAndHoldsNothingNew()
    {
        LockValidator.IsEnabled = true;
        var vm3 = new DomainLock("vm3");

        using (LockHandle held = vm3.Lock())
        {
            Assert.Throws<LockOrderException>(() => DomainLock.LockBoth(_vm1, _vm2));
            Assert.Equal(new HierarchicalLock[] { vm3 }, LockValidator.HeldByCurrentFlow());
        }

        using var contender = Contender.Start(() => DomainLock.LockBoth(_vm1, _vm2).TakenFirst);
        Assert.True(contender.WaitAcquired(Timeouts.MustComplete));
    }

    [Fact]
    public void ValidatorOn_LockBothWhileOneOfItsLocksIsHeld_Throws()
    {
        LockValidator.IsEnabled = true;

        using LockHandle held = _vm2.Lock();

        Assert.Throws<LockOrderException>(() => DomainLock.LockBoth(_vm1, _vm2));
    }
}
