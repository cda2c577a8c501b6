using static Toolstack.Analyzers.Tests.Rules.RuleSources;
using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// TSL1007: an <c>await</c> while a short lock (DriverLock, DomainLock, JsonLock) is held.
/// Reported at the await; the additional location is the acquisition. QmpLock is slow and may
/// be held across awaits.
/// </summary>
public class Tsl1007AwaitUnderLockTests
{
    // ---- must report ----------------------------------------------------------------------

    [Fact]
    public async Task DriverLock_UsingDeclaration_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                async Task RefreshAsync()
                {
                    using LockHandle driver = {|#1:_driver.Lock()|};
                    {|#0:await Task.Delay(10)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'"));
    }

    [Fact]
    public async Task DomainLock_UsingStatement_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                async Task RefreshAsync()
                {
                    using ({|#1:_vm.Lock()|})
                    {
                        {|#0:await Task.Yield()|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    [Fact]
    public async Task JsonLock_TryFinally_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Config
            {
                async Task SaveAsync(JsonLock json)
                {
                    LockHandle config = {|#1:json.Lock()|};
                    try
                    {
                        {|#0:await Task.Yield()|};
                    }
                    finally
                    {
                        json.Unlock(config);
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1)
                .WithArguments("JsonLock 'json'"));
    }

    [Fact]
    public async Task AwaitInIfBranch_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                async Task RefreshAsync(bool slow)
                {
                    using LockHandle vm = {|#1:_vm.Lock()|};
                    if (slow)
                    {
                        {|#0:await Task.Yield()|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    [Fact]
    public async Task AwaitInLoop_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                async Task PollAsync(int rounds)
                {
                    using LockHandle vm = {|#1:_vm.Lock()|};
                    for (int i = 0; i < rounds; i++)
                    {
                        {|#0:await Task.Yield()|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    [Fact]
    public async Task AwaitInSwitchCase_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                async Task ApplyAsync(int mode)
                {
                    using LockHandle vm = {|#1:_vm.Lock()|};
                    switch (mode)
                    {
                        case 1:
                            {|#0:await Task.Yield()|};
                            break;
                        default:
                            break;
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    [Fact]
    public async Task AsyncLambda_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                Task Start()
                {
                    Func<Task> refresh = async () =>
                    {
                        using LockHandle vm = {|#1:_vm.Lock()|};
                        {|#0:await Task.Yield()|};
                    };
                    return refresh();
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    [Fact]
    public async Task AsyncLocalFunction_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                Task Start()
                {
                    return RefreshAsync();

                    async Task RefreshAsync()
                    {
                        using LockHandle vm = {|#1:_vm.Lock()|};
                        {|#0:await Task.Yield()|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    [Fact]
    public async Task DriverAndDomainHeld_ReportsOnceNamingTheInnermost()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                async Task RenameAsync()
                {
                    using LockHandle driver = _driver.Lock();
                    using LockHandle vm = {|#1:_vm.Lock()|};
                    {|#0:await Task.Yield()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    [Fact]
    public async Task HandleFromHelper_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                LockHandle TakeVm() => _vm.Lock();

                async Task RefreshAsync()
                {
                    using LockHandle vm = {|#1:TakeVm()|};
                    {|#0:await Task.Yield()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    [Fact]
    public async Task ConfigureAwait_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                async Task RefreshAsync()
                {
                    using LockHandle vm = {|#1:_vm.Lock()|};
                    {|#0:await Task.Delay(1).ConfigureAwait(false)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    [Fact]
    public async Task AwaitInCatchHandler_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                async Task RefreshAsync()
                {
                    using LockHandle vm = {|#1:_vm.Lock()|};
                    try
                    {
                        Console.WriteLine("refresh");
                    }
                    catch (InvalidOperationException)
                    {
                        {|#0:await Task.Yield()|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    [Fact]
    public async Task AwaitUsingOfOtherResource_Reports()
    {
        // The implicit await of DisposeAsync at the end of 'await using' is an await too.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                async Task CloseAsync(IAsyncDisposable connection)
                {
                    using LockHandle vm = {|#1:_vm.Lock()|};
                    await using ({|#0:connection|})
                    {
                        Console.WriteLine("closing");
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    // ---- must stay silent -----------------------------------------------------------------

    [Fact]
    public async Task QmpLock_HeldAcrossAwait_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync(WithDomainTypes("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                async Task EjectAsync(QmpLock qmp, Domain vm)
                {
                    await using LockHandle slow = await qmp.LockAsync();
                    await Task.Delay(10);
                    await vm.Monitor.StopAsync();
                }
            }
            """));
    }

    [Fact]
    public async Task AwaitAfterUsingBlock_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                async Task RefreshAsync()
                {
                    using (_vm.Lock())
                    {
                        Console.WriteLine("refresh");
                    }

                    await Task.Yield();
                }
            }
            """);
    }

    [Fact]
    public async Task AwaitAfterReleaseInFinally_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                async Task RefreshAsync()
                {
                    LockHandle driver = _driver.Lock();
                    try
                    {
                        Console.WriteLine("refresh");
                    }
                    finally
                    {
                        _driver.Unlock(driver);
                    }

                    await Task.Delay(1);
                }
            }
            """);
    }

    [Fact]
    public async Task AwaitAfterHelperReleasedHandle_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Release(LockHandle handle) => _vm.Unlock(handle);

                async Task RefreshAsync()
                {
                    LockHandle vm = _vm.Lock();
                    Release(vm);
                    await Task.Yield();
                }
            }
            """);
    }

    [Fact]
    public async Task AcquireAndReleaseInLoop_AwaitOutsideLock_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                async Task PollAsync(int rounds)
                {
                    for (int i = 0; i < rounds; i++)
                    {
                        using (_vm.Lock())
                        {
                            Console.WriteLine(i);
                        }

                        await Task.Yield();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task LambdaDefinedUnderLock_RunsLater_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                Func<Task> Prepare()
                {
                    Func<Task> later;
                    using (_vm.Lock())
                    {
                        later = async () => await Task.Yield();
                    }

                    return later;
                }
            }
            """);
    }

    [Fact]
    public async Task AwaitUsingOfShortLockHandle_IsSilent()
    {
        // Disposing the handle releases the lock before the (implicit) await.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                async Task RefreshAsync()
                {
                    await using (LockHandle vm = _vm.Lock())
                    {
                        Console.WriteLine("refresh");
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task QmpLockHeld_ShortLockTakenAndReleased_ThenQmpCall_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync(WithDomainTypes("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                private readonly DomainLock _vm = new("vm1");

                async Task EjectAsync(QmpLock qmp, Domain vm)
                {
                    await using LockHandle slow = await qmp.LockAsync();
                    using (_vm.Lock())
                    {
                        Console.WriteLine("mark ejecting");
                    }

                    await vm.Monitor.StopAsync();
                }
            }
            """));
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
                        await Task.Yield();
                        vm.ExitMonitor();
                    }
                }
            }
            """));
    }

    [Fact]
    public async Task QmpCallUnderDomainLock_ReportsTsl1004Not1007()
    {
        // The await of a call already reported is the same mistake.
        await VerifyCS.VerifyAnalyzerAsync(WithDomainTypes("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DomainLock _vm = new("vm1");

                async Task StopAsync(Domain vm)
                {
                    using LockHandle state = {|#1:_vm.Lock()|};
                    await {|#0:vm.Monitor.StopAsync()|};
                }
            }
            """),
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("StopAsync", "DomainLock '_vm'"));
    }

    [Fact]
    public async Task QmpLockTakenUnderDriverLock_ReportsTsl1001Not1007()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                private readonly DriverLock _driver = new();

                async Task InsertAsync(QmpLock qmp)
                {
                    using LockHandle driver = {|#1:_driver.Lock()|};
                    LockHandle slow = await {|#0:qmp.LockAsync()|};
                    qmp.Unlock(slow);
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("QmpLock 'qmp'", "DriverLock '_driver'", "QmpLock (level 100) must be taken before DriverLock (level 200)"));
    }
}
