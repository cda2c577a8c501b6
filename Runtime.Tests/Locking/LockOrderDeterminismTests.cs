namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// ABBA with validation on: the wrong order is refused by level on every run, however the two
/// threads interleave, and the refusal comes before any wait, so the classic deadlock cannot
/// happen. Every join has a timeout, so a regression fails instead of hanging.
/// </summary>
[Collection(NonParallelCollection.Name)]
public sealed class LockOrderDeterminismTests : ValidatorScope
{
    private const int Rounds = 50;

    public LockOrderDeterminismTests() : base(enabled: true) { }

    /// <summary>How the two threads' second acquisitions are ordered in one round.</summary>
    public enum Interleaving
    {
        /// <summary>Both hold their first lock, then race for the second.</summary>
        BothHoldFirstThenRace,

        /// <summary>The wrong-order thread tries its second lock before the other one does.</summary>
        WrongOrderGoesFirst,

        /// <summary>The right-order thread is already waiting for its second lock when the other tries.</summary>
        RightOrderWaitsFirst,
    }

    [Fact]
    public void DriverDomainVersusDomainDriver_OnlyTheWrongOrderThrows_EveryRound()
    {
        var driver = new DriverLock();
        var domain = new DomainLock("vm1");
        var interleavings = Enum.GetValues<Interleaving>();

        for (int round = 0; round < Rounds; round++)
        {
            Interleaving how = interleavings[round % interleavings.Length];
            (Exception? right, Exception? wrong) = RunAbba(
                firstA: driver.Lock, secondA: domain.Lock,
                firstB: domain.Lock, secondB: driver.Lock,
                how);

            Assert.Null(right);
            var e = Assert.IsType<LockOrderException>(wrong);
            Assert.Same(driver, e.Acquiring);
            Assert.Same(domain, e.Held);
            Assert.Contains("DriverLock 'driver'", e.Message, StringComparison.Ordinal);
            Assert.Contains("DomainLock 'vm1'", e.Message, StringComparison.Ordinal);
        }

        // Nothing stayed held: both locks are free.
        using (driver.Lock())
        using (domain.Lock())
        {
        }
    }

    [Fact]
    public void TwoDomainsNestedBothWays_BothThreadsThrowOnTheNestedTake_EveryRound()
    {
        var a = new DomainLock("A");
        var b = new DomainLock("B");
        var interleavings = Enum.GetValues<Interleaving>();

        for (int round = 0; round < Rounds; round++)
        {
            Interleaving how = interleavings[round % interleavings.Length];
            (Exception? first, Exception? second) = RunAbba(
                firstA: a.Lock, secondA: b.Lock,
                firstB: b.Lock, secondB: a.Lock,
                how);

            var e1 = Assert.IsType<LockOrderException>(first);
            Assert.Same(b, e1.Acquiring);
            Assert.Same(a, e1.Held);
            Assert.Contains("two locks of level 300 nested", e1.Message, StringComparison.Ordinal);
            var e2 = Assert.IsType<LockOrderException>(second);
            Assert.Same(a, e2.Acquiring);
            Assert.Same(b, e2.Held);
        }

        using (a.Lock())
        {
        }

        using (b.Lock())
        {
        }
    }

    [Fact]
    public void SingleThreadAToB_ThrowsOnTheNestedTake()
    {
        var a = new DomainLock("A");
        var b = new DomainLock("B");

        TestThreads.RunOnThread(() =>
        {
            using LockHandle outer = a.Lock();
            var e = Assert.Throws<LockOrderException>(() => b.Lock());
            Assert.Contains("DomainLock 'A'", e.Message, StringComparison.Ordinal);
            Assert.Contains("DomainLock 'B'", e.Message, StringComparison.Ordinal);
        });
    }

    /// <summary>
    /// Thread A takes firstA then secondA; thread B takes firstB then secondB; each releases what
    /// it holds. Returns what each thread's second acquisition threw.
    /// </summary>
    private static (Exception? A, Exception? B) RunAbba(
        Func<LockHandle> firstA, Func<LockHandle> secondA,
        Func<LockHandle> firstB, Func<LockHandle> secondB,
        Interleaving how)
    {
        using var bothHoldFirst = new Barrier(2);
        using var bDone = new ManualResetEventSlim(false);
        using var aAboutToWait = new ManualResetEventSlim(false);
        Exception? thrownA = null;
        Exception? thrownB = null;
        Exception? unexpected = null;

        var threadA = new Thread(() =>
        {
            try
            {
                using LockHandle held = firstA();
                if (!bothHoldFirst.SignalAndWait(Timeouts.MustComplete))
                {
                    throw new TimeoutException("barrier");
                }

                if (how == Interleaving.WrongOrderGoesFirst && !bDone.Wait(Timeouts.MustComplete))
                {
                    throw new TimeoutException("B did not finish");
                }

                aAboutToWait.Set();
                try
                {
                    secondA().Dispose();
                }
                catch (LockOrderException e)
                {
                    thrownA = e;
                }
            }
            catch (Exception e)
            {
                unexpected = e;
            }
        })
        { IsBackground = true, Name = "ABBA A" };

        var threadB = new Thread(() =>
        {
            try
            {
                using LockHandle held = firstB();
                if (!bothHoldFirst.SignalAndWait(Timeouts.MustComplete))
                {
                    throw new TimeoutException("barrier");
                }

                if (how == Interleaving.RightOrderWaitsFirst)
                {
                    // A may be refused at once, or be waiting for our lock: either way it has
                    // started its second acquisition before we try ours.
                    if (!aAboutToWait.Wait(Timeouts.MustComplete))
                    {
                        throw new TimeoutException("A did not start");
                    }

                    threadA.Join(TimeSpan.FromMilliseconds(20));
                }

                try
                {
                    secondB().Dispose();
                }
                catch (LockOrderException e)
                {
                    thrownB = e;
                }
                finally
                {
                    bDone.Set();
                }
            }
            catch (Exception e)
            {
                unexpected = e;
            }
        })
        { IsBackground = true, Name = "ABBA B" };

        // Fresh execution contexts: neither thread inherits anything from the test's flow.
        threadA.UnsafeStart();
        threadB.UnsafeStart();
        bool finished = threadA.Join(Timeouts.MustComplete) & threadB.Join(Timeouts.MustComplete);

        Assert.True(finished, $"ABBA round ({how}) did not finish: deadlock.");
        Assert.Null(unexpected);
        return (thrownA, thrownB);
    }
}
