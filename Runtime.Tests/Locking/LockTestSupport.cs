using System.Runtime.CompilerServices;

namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// One in-memory lock under test, so that a theory can run the same contract against
/// <see cref="DriverLock"/> and <see cref="DomainLock"/>.
/// </summary>
internal sealed class TestLock
{
    private readonly Func<LockHandle> _acquire;
    private readonly Action<LockHandle> _release;

    private TestLock(HierarchicalLock target, Func<LockHandle> acquire, Action<LockHandle> release)
    {
        Target = target;
        _acquire = acquire;
        _release = release;
    }

    public const string Driver = "driver";
    public const string Domain = "domain";

    public HierarchicalLock Target { get; }

    public static TestLock Create(string kind) => kind switch
    {
        Driver => Of(new DriverLock()),
        Domain => Of(new DomainLock("vm1")),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown lock kind"),
    };

    public static TestLock Of(DriverLock driver) => new(driver, driver.Lock, driver.Unlock);

    public static TestLock Of(DomainLock domain) => new(domain, domain.Lock, domain.Unlock);

    public LockHandle Lock() => _acquire();

    public void Unlock(LockHandle handle) => _release(handle);
}

/// <summary>
/// Takes a lock on a dedicated thread that does not inherit the test's execution context (so
/// not the validator's view of the test's held locks either), holds it until disposed, then
/// releases it. Used to prove that a lock is free (<see cref="WaitAcquired"/> returns true
/// quickly) or still held (it stays false for a short bounded wait).
/// </summary>
internal sealed class Contender : IDisposable
{
    private readonly ManualResetEventSlim _acquired = new(false);
    private readonly ManualResetEventSlim _release = new(false);
    private readonly Thread _thread;
    private Exception? _failure;

    private Contender(Func<LockHandle> acquire)
    {
        _thread = new Thread(() =>
        {
            try
            {
                LockHandle handle = acquire();
                _acquired.Set();
                _release.Wait();
                handle.Dispose();
            }
            catch (Exception e)
            {
                _failure = e;
                _acquired.Set();
            }
        })
        {
            IsBackground = true,
            Name = "contender",
        };
        _thread.UnsafeStart();
    }

    public static Contender Start(Func<LockHandle> acquire) => new(acquire);

    /// <summary>True once the contender holds the lock; rethrows what its acquisition threw.</summary>
    public bool WaitAcquired(TimeSpan timeout)
    {
        bool signalled = _acquired.Wait(timeout);
        if (_failure is not null)
        {
            throw new InvalidOperationException("The contender's acquisition failed.", _failure);
        }

        return signalled;
    }

    public void Dispose()
    {
        _release.Set();
        if (!_thread.Join(Timeouts.MustComplete))
        {
            throw new TimeoutException("The contender thread did not finish.");
        }
    }
}

internal static class Timeouts
{
    /// <summary>For what must happen: generous, so a loaded machine does not fail the test.</summary>
    public static readonly TimeSpan MustComplete = TimeSpan.FromSeconds(15);

    /// <summary>For what must NOT happen (a wait that stays blocked): short and bounded.</summary>
    public static readonly TimeSpan StaysBlocked = TimeSpan.FromMilliseconds(200);
}

internal static class TestThreads
{
    /// <summary>
    /// Runs <paramref name="body"/> on a dedicated thread with a fresh execution context and
    /// rethrows what it threw; fails the test instead of hanging when it does not finish, so a
    /// deadlock is reported rather than suffered.
    /// </summary>
    public static void RunOnThread(Action body, TimeSpan? timeout = null)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        {
            IsBackground = true,
            Name = "test body",
        };
        thread.UnsafeStart();
        if (!thread.Join(timeout ?? Timeouts.MustComplete))
        {
            Assert.Fail("The test body did not finish in time: a deadlock.");
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }
}

internal static class SourceLine
{
    /// <summary>The line this is called from, to compare with a recorded call site.</summary>
    public static int Here([CallerLineNumber] int line = 0) => line;
}

/// <summary>
/// A user-declared lock type placed between the driver and the domains. It only records
/// acquisitions (no mutual exclusion): enough for declarations and the validator.
/// </summary>
[LockLevel(250, ForbidsBlocking = true)]
internal sealed class UserLock : HierarchicalLock
{
    public UserLock(string name) : base(name) { }

    public LockHandle Lock() => CompleteAcquire(BeginAcquire());

    public void Unlock(LockHandle handle) => Release(handle);

    protected override void ReleaseCore(LockHandle handle) { }
}
