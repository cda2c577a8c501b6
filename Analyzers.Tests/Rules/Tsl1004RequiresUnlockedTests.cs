using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// TSL1004: a <c>[RequiresUnlocked]</c> member (every QMP call) called while a lock it forbids
/// is held on every path. Reported at the call; the additional location is where the lock was
/// taken. The sources declare a QMP-like <c>Qmp</c> class, since the real client is elsewhere.
/// </summary>
public class Tsl1004RequiresUnlockedTests
{
    // ---- must report ----------------------------------------------------------------------

    [Fact]
    public async Task QmpCallUnderDomainLock_Awaited_ReportsCallNotAwait()
    {
        // The await of the reported call is the same mistake: no TSL1007.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly Qmp _qmp = new();

                async Task PauseAsync()
                {
                    using var vm = {|#1:_vm1.Lock()|};
                    await {|#0:_qmp.StopAsync()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("StopAsync", "DomainLock '_vm1'"));
    }

    [Fact]
    public async Task QmpCallUnderDomainLock_TryFinally_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly Qmp _qmp = new();

                async Task PauseAsync()
                {
                    LockHandle vm = {|#1:_vm1.Lock()|};
                    try
                    {
                        await {|#0:_qmp.StopAsync()|};
                    }
                    finally
                    {
                        _vm1.Unlock(vm);
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("StopAsync", "DomainLock '_vm1'"));
    }

    [Fact]
    public async Task BlockingQmpCallUnderDriverLock_IsTsl1004Only()
    {
        // [RequiresUnlocked] and [Blocking] at once: the QMP mistake, not also TSL1002.
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                [Blocking]
                public void Quit() { }
            }

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly Qmp _qmp = new();

                void Shutdown()
                {
                    using (LockHandle driver = {|#1:_driver.Lock()|})
                    {
                        {|#0:_qmp.Quit()|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("Quit", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task SyncHelperWaitingOnQmpCall_UnderDriverLock_IsTsl1004Only()
    {
        // The helper both waits (Task.Wait) and makes a QMP call: one diagnostic, TSL1004.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly Qmp _qmp = new();

                void Pause() => {|#2:_qmp.StopAsync()|}.Wait();

                void Suspend()
                {
                    using var driver = {|#1:_driver.Lock()|};
                    {|#0:Pause()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1).WithLocation(2)
                .WithArguments("Pause → StopAsync", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task QmpCallUnderDriverLock_Awaited_IsTsl1004Only()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly Qmp _qmp = new();

                async Task PauseAsync()
                {
                    using var driver = {|#1:_driver.Lock()|};
                    await {|#0:_qmp.StopAsync()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("StopAsync", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task DriverAndDomainHeld_NamesTheInnermost()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");
                private readonly Qmp _qmp = new();

                Task Pause()
                {
                    using var driver = _driver.Lock();
                    using var vm = {|#1:_vm1.Lock()|};
                    return {|#0:_qmp.StopAsync()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("StopAsync", "DomainLock '_vm1'"));
    }

    [Fact]
    public async Task RequiresUnlockedNamingQmpLock_UnderSlowLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked(typeof(QmpLock))]
                public Task ReopenAsync() => Task.CompletedTask;
            }

            class Hotplug
            {
                private readonly Qmp _qmp = new();

                async Task ReconnectAsync(QmpLock slow)
                {
                    await using LockHandle devices = await {|#1:slow.LockAsync()|};
                    await {|#0:_qmp.ReopenAsync()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("ReopenAsync", "QmpLock 'slow'"));
    }

    [Fact]
    public async Task HelperCallingRequiresUnlockedQmpLock_UnderSlowLock_ReportsChain()
    {
        // A method that calls such a member inherits the requirement, lock types included.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked(typeof(QmpLock))]
                public Task ReopenAsync() => Task.CompletedTask;
            }

            class Hotplug
            {
                private readonly Qmp _qmp = new();

                Task ReconnectAsync() => {|#2:_qmp.ReopenAsync()|};

                async Task RunAsync(QmpLock slow)
                {
                    await using LockHandle devices = await {|#1:slow.LockAsync()|};
                    await {|#0:ReconnectAsync()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1).WithLocation(2)
                .WithArguments("ReconnectAsync → ReopenAsync", "QmpLock 'slow'"));
    }

    [Fact]
    public async Task QmpCallThroughInterfaceAndOverride_UnderDomainLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            interface IQmp
            {
                [RequiresUnlocked]
                Task StopAsync();
            }

            abstract class QmpBase
            {
                [RequiresUnlocked]
                public abstract Task ContAsync();
            }

            sealed class Qmp : QmpBase, IQmp
            {
                public Task StopAsync() => Task.CompletedTask;

                public override Task ContAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");

                Task Pause(IQmp qmp)
                {
                    using var vm = {|#1:_vm1.Lock()|};
                    return {|#0:qmp.StopAsync()|};
                }

                Task Resume(Qmp qmp)
                {
                    using var vm = {|#3:_vm1.Lock()|};
                    return {|#2:qmp.ContAsync()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("StopAsync", "DomainLock '_vm1'"),
            VerifyCS.Diagnostic("TSL1004").WithLocation(2).WithLocation(3)
                .WithArguments("ContAsync", "DomainLock '_vm1'"));
    }

    [Fact]
    public async Task RequiresUnlockedNamingDomainLock_UnderDomainLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            sealed class Registry
            {
                [RequiresUnlocked(typeof(DomainLock))]
                public void Rescan() { }
            }

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly Registry _registry = new();

                void Refresh()
                {
                    using var vm = {|#1:_vm1.Lock()|};
                    {|#0:_registry.Rescan()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("Rescan", "DomainLock '_vm1'"));
    }

    [Fact]
    public async Task HelperChainToQmpCall_UnderDomainLock_ReportsChain()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly Qmp _qmp = new();

                async Task OuterAsync() => await MiddleAsync();

                Task MiddleAsync() => {|#2:_qmp.StopAsync()|};

                async Task RefreshAsync()
                {
                    LockHandle vm = {|#1:_vm1.Lock()|};
                    try
                    {
                        await {|#0:OuterAsync()|};
                    }
                    finally
                    {
                        vm.Dispose();
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1).WithLocation(2)
                .WithArguments("OuterAsync → MiddleAsync → StopAsync", "DomainLock '_vm1'"));
    }

    [Fact]
    public async Task LocalFunctionMakingQmpCall_CalledUnderJsonLock_ReportsChain()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Hotplug
            {
                private readonly Qmp _qmp = new();

                Task Save(JsonLock json)
                {
                    using var config = {|#1:json.Lock()|};
                    return {|#0:Stop()|};

                    Task Stop() => {|#2:_qmp.StopAsync()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1).WithLocation(2)
                .WithArguments("Stop → StopAsync", "JsonLock 'json'"));
    }

    [Fact]
    public async Task QmpCallUnderDomainLock_InIfElseBranch_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly Qmp _qmp = new();

                Task Pause(bool running)
                {
                    using var vm = {|#1:_vm1.Lock()|};
                    if (running)
                    {
                        return {|#0:_qmp.StopAsync()|};
                    }
                    else
                    {
                        return Task.CompletedTask;
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("StopAsync", "DomainLock '_vm1'"));
    }

    [Fact]
    public async Task QmpCallUnderDomainLock_InSwitchCase_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;

                [RequiresUnlocked]
                public Task ContAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly Qmp _qmp = new();

                Task Apply(string state)
                {
                    using var vm = {|#1:_vm1.Lock()|};
                    switch (state)
                    {
                        case "paused":
                            return {|#0:_qmp.ContAsync()|};
                        default:
                            return Task.CompletedTask;
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("ContAsync", "DomainLock '_vm1'"));
    }

    [Fact]
    public async Task QmpCallUnderDomainLock_InForeachWithBreakAndContinue_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task EjectAsync(string device) => Task.CompletedTask;
            }

            class Hotplug
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly Qmp _qmp = new();

                void EjectAll(string[] devices)
                {
                    foreach (string device in devices)
                    {
                        if (device.Length == 0)
                        {
                            continue;
                        }

                        using var vm = {|#1:_vm1.Lock()|};
                        if (device == "none")
                        {
                            break;
                        }

                        _ = {|#0:_qmp.EjectAsync(device)|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("EjectAsync", "DomainLock '_vm1'"));
    }

    [Fact]
    public async Task QmpCallUnderDomainLock_TakenThroughLocalCopyOfTheLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly Qmp _qmp = new();

                Task Pause()
                {
                    DomainLock domain = _vm1;
                    LockHandle vm = {|#1:domain.Lock()|};
                    LockHandle same = vm;
                    try
                    {
                        return {|#0:_qmp.StopAsync()|};
                    }
                    finally
                    {
                        same.Dispose();
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("StopAsync", "DomainLock '_vm1'"));
    }

    [Fact]
    public async Task QmpCallUnderUserShortLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            [LockLevel(250)]
            sealed class PoolLock : HierarchicalLock
            {
                public PoolLock() : base("pool") { }

                [AcquiresLock(typeof(PoolLock))]
                public LockHandle Lock() => CompleteAcquire(BeginAcquire());

                [ReleasesLock(typeof(PoolLock))]
                public void Unlock(LockHandle handle) => Release(handle);

                protected override void ReleaseCore(LockHandle handle) { }
            }

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly PoolLock _pool = new();
                private readonly Qmp _qmp = new();

                Task Pause()
                {
                    using var pool = {|#1:_pool.Lock()|};
                    return {|#0:_qmp.StopAsync()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("StopAsync", "PoolLock '_pool'"));
    }

    [Fact]
    public async Task RequiresDomainLockMethod_QmpCallInBody_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly Qmp _qmp = new();

                [RequiresLock(typeof(DomainLock), Lock = nameof(_vm1))]
                Task {|#1:Pause|}() => {|#0:_qmp.StopAsync()|};
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("StopAsync", "DomainLock '_vm1'"));
    }

    [Fact]
    public async Task LambdaTakingDomainLockAndCallingQmp_ReportsInsideLambda()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly Qmp _qmp = new();

                Task Pause()
                {
                    Func<Task> stop = () =>
                    {
                        using var vm = {|#1:_vm1.Lock()|};
                        return {|#0:_qmp.StopAsync()|};
                    };
                    return stop();
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("StopAsync", "DomainLock '_vm1'"));
    }

    // ---- must stay silent -----------------------------------------------------------------

    [Fact]
    public async Task OnlySlowQmpLockHeld_PlainRequiresUnlocked_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Hotplug
            {
                private readonly Qmp _qmp = new();

                async Task PauseAsync(QmpLock slow)
                {
                    await using LockHandle devices = await slow.LockAsync();
                    await _qmp.StopAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task QmpCallAfterUsingStatementAndTryFinally_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly Qmp _qmp = new();
                private int _generation;

                async Task PauseAsync()
                {
                    using (_vm1.Lock())
                    {
                        _generation++;
                    }

                    await _qmp.StopAsync();

                    LockHandle vm = _vm1.Lock();
                    try
                    {
                        _generation++;
                    }
                    finally
                    {
                        _vm1.Unlock(vm);
                    }

                    await _qmp.StopAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task QmpCallInTaskRunLambdaCreatedUnderDriverLock_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly Qmp _qmp = new();

                Task Pause()
                {
                    using var driver = _driver.Lock();
                    return Task.Run(() => _qmp.StopAsync());
                }
            }
            """);
    }

    [Fact]
    public async Task DomainLockTakenInOneBranchOnly_ReportsWhenTrue()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly Qmp _qmp = new();

                Task Pause(bool pin)
                {
                    LockHandle vm = null;
                    if (pin)
                    {
                        vm = {|#1:_vm1.Lock()|};
                    }

                    Task stopping = {|#0:_qmp.StopAsync()|};
                    vm?.Dispose();
                    return stopping;
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("StopAsync", "DomainLock '_vm1' (when 'pin' is true)"));
    }

    [Fact]
    public async Task QmpCallAfterEarlyReturnInsideUsing_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly Qmp _qmp = new();

                async Task PauseAsync(bool stopped)
                {
                    using (_vm1.Lock())
                    {
                        if (stopped)
                        {
                            return;
                        }
                    }

                    await _qmp.StopAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task RequiresUnlockedNamingQmpLock_UnderDomainLockOnly_IsSilent()
    {
        // With lock types named, exactly those are forbidden.
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked(typeof(QmpLock))]
                public void Reopen() { }
            }

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly Qmp _qmp = new();

                void Reconnect()
                {
                    using var vm = _vm1.Lock();
                    _qmp.Reopen();
                }
            }
            """);
    }

    [Fact]
    public async Task HandleParameterOfUnknownOrigin_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly Qmp _qmp = new();

                async Task PauseAsync(LockHandle held)
                {
                    await _qmp.StopAsync();
                    held.Dispose();
                }
            }
            """);
    }

    [Fact]
    public async Task HelperReleasingHandleParameter_ThenQmpCall_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly Qmp _qmp = new();

                void Leave(LockHandle handle) => _vm1.Unlock(handle);

                async Task PauseAsync()
                {
                    LockHandle vm = _vm1.Lock();
                    Leave(vm);
                    await _qmp.StopAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task QmpCallInsideMonitor_DomainLockReleasedByWrapper_IsSilent()
    {
        // libvirt's pattern: entering the monitor releases the domain lock, leaving re-takes it.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            sealed class Domain
            {
                public DomainLock Guard { get; } = new("vm1");

                [ReleasesLock(typeof(DomainLock), Lock = nameof(Guard))]
                public void EnterMonitor() { }

                [AcquiresLock(typeof(DomainLock), Lock = nameof(Guard))]
                public void ExitMonitor() { }
            }

            class Daemon
            {
                private readonly Qmp _qmp = new();

                async Task PauseAsync(Domain vm)
                {
                    using LockHandle held = vm.Guard.Lock();
                    vm.EnterMonitor();
                    try
                    {
                        await _qmp.StopAsync();
                    }
                    finally
                    {
                        vm.ExitMonitor();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task QmpHelpers_CalledOutsideShortLocks_AreSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;
            }

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly Qmp _qmp = new();
                private int _generation;

                Task MiddleAsync() => _qmp.StopAsync();

                async Task PauseAsync(QmpLock slow)
                {
                    await using LockHandle devices = await slow.LockAsync();
                    using (_vm1.Lock())
                    {
                        _generation++;
                    }

                    await MiddleAsync();
                    await Stop();

                    Task Stop() => _qmp.StopAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task LookAlikeDomainLockInAnotherNamespace_IsIgnored()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            namespace Elsewhere
            {
                sealed class DomainLock
                {
                    public IDisposable Lock() => null;
                }

                sealed class Qmp
                {
                    [RequiresUnlocked]
                    public Task StopAsync() => Task.CompletedTask;
                }

                class Daemon
                {
                    private readonly DomainLock _vm1 = new();
                    private readonly Qmp _qmp = new();

                    async Task PauseAsync()
                    {
                        using (_vm1.Lock())
                        {
                            await _qmp.StopAsync();
                        }
                    }
                }
            }
            """);
    }
}
