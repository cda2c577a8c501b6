using static Toolstack.Analyzers.Tests.Rules.RuleSources;
using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// TSL1006: a lock released twice, or released when not held. Reported at the second release;
/// the additional location is the acquisition.
/// </summary>
public class Tsl1006DoubleReleaseTests
{
    // ---- must report ----------------------------------------------------------------------

    [Fact]
    public async Task UnlockTwice_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update()
                {
                    LockHandle vm = {|#1:_vm.Lock()|};
                    _vm.Unlock(vm);
                    {|#0:_vm.Unlock(vm)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1006").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    [Fact]
    public async Task DisposeThenUnlock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update()
                {
                    LockHandle vm = {|#1:_vm.Lock()|};
                    vm.Dispose();
                    {|#0:_vm.Unlock(vm)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1006").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    [Fact]
    public async Task HandleCopy_ReleasedThroughCopyThenOriginal_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Update()
                {
                    LockHandle driver = {|#1:_driver.Lock()|};
                    LockHandle same = driver;
                    same.Dispose();
                    {|#0:_driver.Unlock(driver)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1006").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'"));
    }

    [Fact]
    public async Task HelperReleasedHandleParameter_ThenUnlock_Reports()
    {
        // The helper's release of its parameter counts as a release at the call.
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Release(LockHandle handle) => _vm.Unlock(handle);

                void Update()
                {
                    LockHandle vm = {|#1:_vm.Lock()|};
                    Release(vm);
                    {|#0:_vm.Unlock(vm)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1006").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    [Fact]
    public async Task ReleasedInBothBranches_ThenAgain_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update(bool fast)
                {
                    LockHandle vm = {|#1:_vm.Lock()|};
                    if (fast)
                    {
                        _vm.Unlock(vm);
                    }
                    else
                    {
                        vm.Dispose();
                    }

                    {|#0:_vm.Unlock(vm)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1006").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    [Fact]
    public async Task ReleasedInEverySwitchCase_ThenAgain_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Apply(int mode)
                {
                    LockHandle vm = {|#1:_vm.Lock()|};
                    switch (mode)
                    {
                        case 0:
                            _vm.Unlock(vm);
                            break;
                        default:
                            vm.Dispose();
                            break;
                    }

                    {|#0:_vm.Unlock(vm)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1006").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    [Fact]
    public async Task ReleasedInFinally_ThenUnlockAfterTry_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Update()
                {
                    LockHandle driver = {|#1:_driver.Lock()|};
                    try
                    {
                        Console.WriteLine("update");
                    }
                    finally
                    {
                        _driver.Unlock(driver);
                    }

                    {|#0:_driver.Unlock(driver)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1006").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'"));
    }

    [Fact]
    public async Task EnterMonitorTwice_ReleasesDomainLockTwice_Reports()
    {
        // A release by lock path: the second EnterMonitor releases a lock the first gave up.
        // One mistake, one diagnostic: not also TSL1008 for the missing lock.
        await VerifyCS.VerifyAnalyzerAsync(WithDomainTypes("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Driver
            {
                void Stop(Domain vm)
                {
                    using ({|#1:vm.StateLock.Lock()|})
                    {
                        vm.EnterMonitor();
                        {|#0:vm.EnterMonitor()|};
                        vm.ExitMonitor();
                    }
                }
            }
            """),
            VerifyCS.Diagnostic("TSL1006").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock 'vm.StateLock'"));
    }

    [Fact]
    public async Task EnterMonitorAfterUsingEnded_ReleasesWhenNotHeld_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync(WithDomainTypes("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Driver
            {
                void Stop(Domain vm)
                {
                    using ({|#1:vm.StateLock.Lock()|})
                    {
                    }

                    {|#0:vm.EnterMonitor()|};
                }
            }
            """),
            VerifyCS.Diagnostic("TSL1006").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock 'vm.StateLock'"));
    }

    [Fact]
    public async Task Lambda_UnlockTwice_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                Action Updater()
                {
                    Action update = () =>
                    {
                        LockHandle vm = {|#1:_vm.Lock()|};
                        _vm.Unlock(vm);
                        {|#0:_vm.Unlock(vm)|};
                    };
                    return update;
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1006").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    [Fact]
    public async Task LocalFunction_DisposeThenUnlock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update()
                {
                    Work();

                    void Work()
                    {
                        LockHandle vm = {|#1:_vm.Lock()|};
                        vm.Dispose();
                        {|#0:_vm.Unlock(vm)|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1006").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    [Fact]
    public async Task AsyncQmpLock_DisposeAsyncThenUnlock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                async Task InsertAsync(QmpLock qmp)
                {
                    LockHandle slow = await {|#1:qmp.LockAsync()|};
                    await slow.DisposeAsync();
                    {|#0:qmp.Unlock(slow)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1006").WithLocation(0).WithLocation(1)
                .WithArguments("QmpLock 'qmp'"));
    }

    // ---- must stay silent -----------------------------------------------------------------

    [Fact]
    public async Task ReleasedOncePerPath_EarlyReturn_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update(bool fast)
                {
                    LockHandle vm = _vm.Lock();
                    if (fast)
                    {
                        _vm.Unlock(vm);
                        return;
                    }

                    _vm.Unlock(vm);
                }
            }
            """);
    }

    [Fact]
    public async Task ReleasedOncePerSwitchCase_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Apply(int mode)
                {
                    LockHandle vm = _vm.Lock();
                    switch (mode)
                    {
                        case 0:
                            _vm.Unlock(vm);
                            break;
                        default:
                            vm.Dispose();
                            break;
                    }
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
                        _vm.Unlock(vm);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task ReleaseThenReacquireIntoSameVariable_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update()
                {
                    LockHandle vm = _vm.Lock();
                    _vm.Unlock(vm);
                    vm = _vm.Lock();
                    _vm.Unlock(vm);
                }
            }
            """);
    }

    [Fact]
    public async Task HelperReleasingHandleParameter_IsSilent()
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
    public async Task HandleCopy_ReleasedOnce_IsSilent()
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
    public async Task AwaitUsing_QmpLock_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                async Task InsertAsync(QmpLock qmp)
                {
                    await using LockHandle slow = await qmp.LockAsync();
                    await Task.Yield();
                }
            }
            """);
    }

    [Fact]
    public async Task MonitorPattern_IsSilent()
    {
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

    [Fact]
    public async Task MonitorEnteredTwiceWithExitBetween_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync(WithDomainTypes("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Driver
            {
                async Task StopAndQuitAsync(Domain vm)
                {
                    using (vm.StateLock.Lock())
                    {
                        vm.EnterMonitor();
                        await vm.Monitor.StopAsync();
                        vm.ExitMonitor();

                        vm.EnterMonitor();
                        await vm.Monitor.StopAsync();
                        vm.ExitMonitor();
                    }
                }
            }
            """));
    }

    [Fact]
    public async Task TwoDomains_EachMonitorEnteredOnce_IsSilent()
    {
        // Releases by lock path are matched per domain: vm2's monitor does not release vm1's lock.
        await VerifyCS.VerifyAnalyzerAsync(WithDomainTypes("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Driver
            {
                void StopBoth(Domain vm1, Domain vm2)
                {
                    using (vm1.StateLock.Lock())
                    {
                        vm1.EnterMonitor();
                        vm1.ExitMonitor();
                    }

                    using (vm2.StateLock.Lock())
                    {
                        vm2.EnterMonitor();
                        vm2.ExitMonitor();
                    }
                }
            }
            """));
    }

    [Fact]
    public async Task EnterMonitorOfUnlockedDomain_ReportsTsl1008Not1006()
    {
        // Releasing a lock never taken here through a [RequiresLock] wrapper is the call lacking
        // its lock (TSL1008): one mistake, one diagnostic.
        await VerifyCS.VerifyAnalyzerAsync(WithDomainTypes("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Driver
            {
                void Stop(Domain vm1, Domain vm2)
                {
                    using (vm1.StateLock.Lock())
                    {
                        vm1.EnterMonitor();
                        {|#0:vm2.EnterMonitor()|};
                        vm1.ExitMonitor();
                    }
                }
            }
            """),
            VerifyCS.Diagnostic("TSL1008").WithLocation(0)
                .WithArguments("EnterMonitor", "DomainLock 'vm2.StateLock'"));
    }
}
