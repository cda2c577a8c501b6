using static Toolstack.Analyzers.Tests.Rules.RuleSources;
using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// TSL1005: a lock not released on some normal path out of the method (return, break, falling
/// off the end). Reported at the acquisition; the additional location is the exit.
/// </summary>
public class Tsl1005LeakedLockTests
{
    // ---- must report ----------------------------------------------------------------------

    [Fact]
    public async Task EarlyReturn_WithoutRelease_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                int CountDomains(int domains)
                {
                    LockHandle driver = {|#0:_driver.Lock()|};
                    if (domains == 0)
                    {
                        {|#1:return 0;|}
                    }

                    _driver.Unlock(driver);
                    return domains;
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "CountDomains", "still held at a return"));
    }

    [Fact]
    public async Task ElseBranch_WithoutRelease_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update(bool valid)
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    if (valid)
                    {
                        _vm.Unlock(vm);
                    }
                    else
                    {
                        {|#1:Console.WriteLine("invalid");|}
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Update", "still held on leaving"));
    }

    [Fact]
    public async Task SwitchCase_WithoutRelease_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                int Apply(int mode)
                {
                    LockHandle driver = {|#0:_driver.Lock()|};
                    switch (mode)
                    {
                        case 0:
                            _driver.Unlock(driver);
                            return 0;
                        case 1:
                            {|#1:return 1;|}
                        default:
                            driver.Dispose();
                            return 2;
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "Apply", "still held at a return"));
    }

    [Fact]
    public async Task Loop_BreakWithLockHeld_Reports()
    {
        // The break leaves the loop with the lock held; the method is left after the last statement.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Poll(int rounds)
                {
                    for (int i = 0; i < rounds; i++)
                    {
                        LockHandle vm = {|#0:_vm.Lock()|};
                        if (i == 3)
                        {
                            break;
                        }

                        _vm.Unlock(vm);
                    }

                    {|#1:Console.WriteLine("done");|}
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Poll", "still held on leaving"));
    }

    [Fact]
    public async Task Loop_ContinueWithLockHeld_Reports()
    {
        // The continue skips the release; the loop is left, with the lock held, at its condition.
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Poll(int rounds)
                {
                    {|#1:for (int i = 0; i < rounds; i++)
                    {
                        LockHandle vm = {|#0:_vm.Lock()|};
                        if (i % 2 == 0)
                        {
                            continue;
                        }

                        _vm.Unlock(vm);
                    }|}
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Poll", "still held on leaving"));
    }

    [Fact]
    public async Task FallingOffTheEnd_WithoutRelease_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _count;

                void Bump()
                {
                    LockHandle driver = {|#0:_driver.Lock()|};
                    {|#1:_count++;|}
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "Bump", "still held on leaving"));
    }

    [Fact]
    public async Task AsyncMethod_QmpLockNotReleasedOnReturn_Reports()
    {
        // The slow lock may span awaits, but it must still be given back.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                async Task<int> InsertAsync(QmpLock qmp, int slot)
                {
                    LockHandle slow = await {|#0:qmp.LockAsync()|};
                    if (slot < 0)
                    {
                        {|#1:return -1;|}
                    }

                    await Task.Yield();
                    qmp.Unlock(slow);
                    return slot;
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("QmpLock 'qmp'", "InsertAsync", "still held at a return"));
    }

    [Fact]
    public async Task HelperReturningHandle_CallerDoesNotRelease_Reports()
    {
        // The helper hands its handle to the caller: the caller must release it.
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                LockHandle TakeDriver() => _driver.Lock();

                int Count(int domains)
                {
                    LockHandle driver = {|#0:TakeDriver()|};
                    if (domains == 0)
                    {
                        {|#1:return 0;|}
                    }

                    driver.Dispose();
                    return domains;
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "Count", "still held at a return"));
    }

    [Fact]
    public async Task HelperReturningHandle_ResultDiscarded_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                LockHandle TakeDriver() => _driver.Lock();

                void Refresh()
                {
                    {|#1:{|#0:TakeDriver()|};|}
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "Refresh", "still held on leaving"));
    }

    [Fact]
    public async Task HelperLeavingLockHeldWithoutHandle_ReportsInsideHelperOnly()
    {
        // The helper keeps no handle, so no caller could release it: reported once, in the helper.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void TakeAndKeep()
                {
                    {|#1:{|#0:_driver.Lock()|};|}
                }

                void Caller()
                {
                    TakeAndKeep();
                    Console.WriteLine("taken");
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "TakeAndKeep", "still held on leaving"));
    }

    [Fact]
    public async Task LocalFunction_EarlyReturn_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                int Run(int n)
                {
                    return Count(n);

                    int Count(int k)
                    {
                        LockHandle vm = {|#0:_vm.Lock()|};
                        if (k < 0)
                        {
                            {|#1:return -1;|}
                        }

                        _vm.Unlock(vm);
                        return k;
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Count", "still held at a return"));
    }

    [Fact]
    public async Task Lambda_EarlyReturn_Reports()
    {
        // A lambda's symbol has no name: the message says 'lambda'.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run(Func<int, int> step) => step(1);

                void Start()
                {
                    Run(n =>
                    {
                        LockHandle driver = {|#0:_driver.Lock()|};
                        if (n == 0)
                        {
                            {|#1:return 0;|}
                        }

                        _driver.Unlock(driver);
                        return n;
                    });
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "lambda", "still held at a return"));
    }

    [Fact]
    public async Task TwoDomains_SecondNotReleased_ReportsOnlyTheSecond()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Migration
            {
                private readonly DomainLock _source = new("vm1");
                private readonly DomainLock _target = new("vm2");

                int Move(int pages)
                {
                    LockHandle source = _source.Lock();
                    _source.Unlock(source);
                    LockHandle target = {|#0:_target.Lock()|};
                    if (pages == 0)
                    {
                        {|#1:return 0;|}
                    }

                    _target.Unlock(target);
                    return pages;
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_target'", "Move", "still held at a return"));
    }

    [Fact]
    public async Task AcquiresLockWrapperHandle_NotReleased_Reports()
    {
        // A wrapper declared [AcquiresLock] acquires for its caller: the caller owns the lock.
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            sealed class Vm
            {
                public DomainLock StateLock { get; } = new("vm");

                [AcquiresLock(typeof(DomainLock), Lock = nameof(StateLock))]
                public LockHandle Begin() => StateLock.Lock();
            }

            class Daemon
            {
                int Touch(Vm vm, int n)
                {
                    LockHandle state = {|#0:vm.Begin()|};
                    if (n < 0)
                    {
                        {|#1:return n;|}
                    }

                    state.Dispose();
                    return 0;
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock 'vm.StateLock'", "Touch", "still held at a return"));
    }

    // ---- must stay silent -----------------------------------------------------------------

    [Fact]
    public async Task UsingDeclaration_EarlyReturn_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                int Count(int domains)
                {
                    using LockHandle driver = _driver.Lock();
                    if (domains == 0)
                    {
                        return 0;
                    }

                    return domains;
                }
            }
            """);
    }

    [Fact]
    public async Task UsingStatement_BreakAndContinue_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Poll(int[] items)
                {
                    foreach (int item in items)
                    {
                        using (_vm.Lock())
                        {
                            if (item < 0)
                            {
                                break;
                            }

                            if (item == 0)
                            {
                                continue;
                            }

                            Console.WriteLine(item);
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task TryFinally_EarlyReturn_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                int Count(int domains)
                {
                    LockHandle driver = _driver.Lock();
                    try
                    {
                        if (domains == 0)
                        {
                            return 0;
                        }

                        return domains;
                    }
                    finally
                    {
                        _driver.Unlock(driver);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task AwaitUsing_QmpLock_EarlyReturn_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                async Task<int> InsertAsync(QmpLock qmp, int slot)
                {
                    await using LockHandle slow = await qmp.LockAsync();
                    if (slot < 0)
                    {
                        return -1;
                    }

                    await Task.Yield();
                    return slot;
                }
            }
            """);
    }

    [Fact]
    public async Task AcquireAndReleaseInsideLoopBody_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Poll(int rounds)
                {
                    for (int i = 0; i < rounds; i++)
                    {
                        LockHandle vm = _vm.Lock();
                        if (i % 2 == 0)
                        {
                            _vm.Unlock(vm);
                            continue;
                        }

                        _vm.Unlock(vm);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task SwitchCases_EachReleases_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                int Apply(int mode)
                {
                    LockHandle driver = _driver.Lock();
                    switch (mode)
                    {
                        case 0:
                            _driver.Unlock(driver);
                            return 0;
                        default:
                            driver.Dispose();
                            return 2;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task ThrowBeforeRelease_ReportsTsl1009NotTsl1005()
    {
        // A throw is not a normal way out: leaving the lock held on it is TSL1009's business.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Check(bool broken)
                {
                    LockHandle driver = {|#0:_driver.Lock()|};
                    if (broken)
                    {
                        throw {|#1:new InvalidOperationException("broken")|};
                    }

                    _driver.Unlock(driver);
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "new InvalidOperationException"));
    }

    [Fact]
    public async Task HandleReturnedToCaller_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                LockHandle TakeDriver()
                {
                    LockHandle driver = _driver.Lock();
                    return driver;
                }

                LockHandle PassOn() => TakeDriver();

                int Count(int domains)
                {
                    using LockHandle driver = PassOn();
                    if (domains == 0)
                    {
                        return 0;
                    }

                    return domains;
                }
            }
            """);
    }

    [Fact]
    public async Task HandleStoredInField_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            #nullable enable
            using Toolstack.Runtime;

            class Session
            {
                private readonly DriverLock _driver = new();
                private LockHandle? _held;

                public void Begin()
                {
                    LockHandle driver = _driver.Lock();
                    _held = driver;
                }

                public void End()
                {
                    _held?.Dispose();
                    _held = null;
                }
            }
            """);
    }

    [Fact]
    public async Task HelperReleasingHandleParameter_CountsAsRelease_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Release(LockHandle handle) => _vm.Unlock(handle);

                void Update()
                {
                    LockHandle vm = _vm.Lock();
                    Release(vm);
                }
            }
            """);
    }

    [Fact]
    public async Task HandleCopy_ReleasedThroughCopy_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Update()
                {
                    LockHandle driver = _driver.Lock();
                    LockHandle same = driver;
                    same.Dispose();
                }
            }
            """);
    }

    [Fact]
    public async Task NullableHandle_ConditionalAcquire_FinallyNullConditionalDispose_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            #nullable enable
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update(bool locked)
                {
                    LockHandle? vm = null;
                    try
                    {
                        if (locked)
                        {
                            vm = _vm.Lock();
                        }

                        Console.WriteLine("update");
                    }
                    finally
                    {
                        vm?.Dispose();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task NullableHandle_FinallyNullCheckThenUnlock_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            #nullable enable
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update(bool locked)
                {
                    LockHandle? vm = null;
                    try
                    {
                        if (locked)
                        {
                            vm = _vm.Lock();
                        }

                        Console.WriteLine("update");
                    }
                    finally
                    {
                        if (vm != null)
                        {
                            _vm.Unlock(vm);
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Lambda_UsingDeclaration_EarlyReturn_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run(Func<int, int> step) => step(1);

                void Start()
                {
                    Run(n =>
                    {
                        using LockHandle driver = _driver.Lock();
                        if (n == 0)
                        {
                            return 0;
                        }

                        return n;
                    });
                }
            }
            """);
    }

    [Fact]
    public async Task AcquiresLockWrapper_LeavesLockHeldForCaller_IsSilent()
    {
        // Taking the lock for the caller is the point of a method declared [AcquiresLock].
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Session
            {
                private readonly DriverLock _driver = new();

                [AcquiresLock(typeof(DriverLock))]
                public void Enter()
                {
                    _driver.Lock();
                }
            }
            """);
    }

    [Fact]
    public async Task MonitorPattern_IsSilent()
    {
        // Entering the monitor releases the domain lock and leaving it re-takes it: the using
        // releases the handle that is live again. Silent for every rule.
        await VerifyCS.VerifyAnalyzerAsync(WithDomainTypes("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Driver
            {
                async Task StopAsync(Domain vm)
                {
                    using (vm.StateLock.Lock())
                    {
                        vm.EnterMonitor();
                        await vm.Monitor.StopAsync();
                        vm.ExitMonitor();
                    }
                }
            }
            """));
    }
}
