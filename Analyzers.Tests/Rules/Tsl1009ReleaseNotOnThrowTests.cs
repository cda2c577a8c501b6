using static Toolstack.Analyzers.Tests.Rules.RuleSources;
using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// TSL1009: a lock released on the normal path only — something between acquisition and
/// release may throw and is not covered by a try whose finally (or catch) releases it. Reported
/// at the acquisition; the additional location is the throwing call.
/// </summary>
public class Tsl1009ReleaseNotOnThrowTests
{
    // ---- must report ----------------------------------------------------------------------

    [Fact]
    public async Task CallBetweenAcquireAndUnlock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _generation;

                void Refresh()
                {
                    LockHandle driver = {|#0:_driver.Lock()|};
                    {|#1:Recount()|};
                    _driver.Unlock(driver);
                }

                void Recount() => _generation++;
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "Recount"));
    }

    [Fact]
    public async Task CallBetweenAcquireAndDispose_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Register(List<int> ids, int id)
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    {|#1:ids.Add(id)|};
                    vm.Dispose();
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "List.Add"));
    }

    [Fact]
    public async Task ThrowStatementBetween_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Resize(int pages)
                {
                    LockHandle driver = {|#0:_driver.Lock()|};
                    if (pages < 0)
                    {
                        throw {|#1:new ArgumentOutOfRangeException(nameof(pages))|};
                    }

                    _driver.Unlock(driver);
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "new ArgumentOutOfRangeException"));
    }

    [Fact]
    public async Task CatchHandlerThatDoesNotRelease_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.IO;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Save()
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    try
                    {
                        {|#1:Write()|};
                    }
                    catch (IOException e)
                    {
                        Console.Error.WriteLine(e.Message);
                    }

                    _vm.Unlock(vm);
                }

                void Write() { }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Write"));
    }

    [Fact]
    public async Task CallBeforeTheTryWhoseFinallyReleases_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Save()
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    {|#1:Prepare()|};
                    try
                    {
                        Write();
                    }
                    finally
                    {
                        _vm.Unlock(vm);
                    }
                }

                void Prepare() { }

                void Write() { }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Prepare"));
    }

    [Fact]
    public async Task CallInFinallyBeforeTheRelease_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Save()
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    try
                    {
                        Write();
                    }
                    finally
                    {
                        {|#1:Log()|};
                        _vm.Unlock(vm);
                    }
                }

                void Write() { }

                void Log() { }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Log"));
    }

    [Fact]
    public async Task AwaitedQmpCallUnderSlowLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync(WithDomainTypes("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                async Task EjectAsync(QmpLock qmp, Domain vm)
                {
                    LockHandle slow = await {|#0:qmp.LockAsync()|};
                    await {|#1:vm.Monitor.StopAsync()|};
                    qmp.Unlock(slow);
                }
            }
            """),
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("QmpLock 'qmp'", "StopAsync"));
    }

    [Fact]
    public async Task ReleasedInBothBranches_CallBefore_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Save(bool fast)
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    {|#1:Write()|};
                    if (fast)
                    {
                        _vm.Unlock(vm);
                    }
                    else
                    {
                        vm.Dispose();
                    }
                }

                void Write() { }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Write"));
    }

    [Fact]
    public async Task SwitchCase_CallBeforeRelease_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Apply(int mode)
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    switch (mode)
                    {
                        case 0:
                            {|#1:Write(mode)|};
                            _vm.Unlock(vm);
                            break;
                        default:
                            _vm.Unlock(vm);
                            break;
                    }
                }

                void Write(int mode) { }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Write"));
    }

    [Fact]
    public async Task LoopBody_Reports()
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
                        LockHandle vm = {|#0:_vm.Lock()|};
                        {|#1:Refresh(i)|};
                        _vm.Unlock(vm);
                    }
                }

                void Refresh(int round) { }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Refresh"));
    }

    [Fact]
    public async Task Lambda_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Start(Action<Action> schedule)
                {
                    schedule(() =>
                    {
                        LockHandle vm = {|#0:_vm.Lock()|};
                        {|#1:Refresh()|};
                        _vm.Unlock(vm);
                    });
                }

                void Refresh() { }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Refresh"));
    }

    [Fact]
    public async Task LocalFunction_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Start()
                {
                    Run();

                    void Run()
                    {
                        LockHandle vm = {|#0:_vm.Lock()|};
                        {|#1:Console.WriteLine("run")|};
                        _vm.Unlock(vm);
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Console.WriteLine"));
    }

    [Fact]
    public async Task HandleFromHelper_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                LockHandle TakeVm() => _vm.Lock();

                void Save()
                {
                    LockHandle vm = {|#0:TakeVm()|};
                    {|#1:Write()|};
                    vm.Dispose();
                }

                void Write() { }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Write"));
    }

    [Fact]
    public async Task ReleasedByHelper_CallBefore_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Release(LockHandle handle) => _vm.Unlock(handle);

                void Save()
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    {|#1:Write()|};
                    Release(vm);
                }

                void Write() { }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Write"));
    }

    [Fact]
    public async Task HandleCopy_ReleasedThroughCopy_CallBefore_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Save()
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    LockHandle same = vm;
                    {|#1:Write()|};
                    same.Dispose();
                }

                void Write() { }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Write"));
    }

    [Fact]
    public async Task TwoLocks_OnlyTheExplicitlyReleasedOneReports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                void Rename()
                {
                    using LockHandle driver = _driver.Lock();
                    LockHandle vm = {|#0:_vm.Lock()|};
                    {|#1:Write()|};
                    _vm.Unlock(vm);
                }

                void Write() { }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Write"));
    }

    // ---- must stay silent -----------------------------------------------------------------

    [Fact]
    public async Task UsingDeclaration_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Save()
                {
                    using LockHandle vm = _vm.Lock();
                    Write();
                }

                void Write() { }
            }
            """);
    }

    [Fact]
    public async Task UsingStatement_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Save()
                {
                    using (_vm.Lock())
                    {
                        Write();
                    }
                }

                void Write() { }
            }
            """);
    }

    [Fact]
    public async Task TryFinally_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Save()
                {
                    LockHandle vm = _vm.Lock();
                    try
                    {
                        Write();
                    }
                    finally
                    {
                        _vm.Unlock(vm);
                    }
                }

                void Write() { }
            }
            """);
    }

    [Fact]
    public async Task NothingThatMayThrowBetween_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");
                private int _generation;

                void Bump()
                {
                    LockHandle vm = _vm.Lock();
                    _generation++;
                    _vm.Unlock(vm);
                }
            }
            """);
    }

    [Fact]
    public async Task CatchReleasesAndRethrows_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Save()
                {
                    LockHandle vm = _vm.Lock();
                    try
                    {
                        Write();
                    }
                    catch
                    {
                        _vm.Unlock(vm);
                        throw;
                    }

                    _vm.Unlock(vm);
                }

                void Write() { }
            }
            """);
    }

    [Fact]
    public async Task NestedTry_OuterFinallyReleases_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.IO;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Save()
                {
                    LockHandle vm = _vm.Lock();
                    try
                    {
                        try
                        {
                            Write();
                        }
                        catch (IOException)
                        {
                            Retry();
                        }
                    }
                    finally
                    {
                        _vm.Unlock(vm);
                    }
                }

                void Write() { }

                void Retry() { }
            }
            """);
    }

    [Fact]
    public async Task ReleaseBeforeTheCall_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");
                private int _generation;

                void Save()
                {
                    LockHandle vm = _vm.Lock();
                    _generation++;
                    _vm.Unlock(vm);
                    Write();
                }

                void Write() { }
            }
            """);
    }

    [Fact]
    public async Task HelperReleasesInFinally_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Release(LockHandle handle) => _vm.Unlock(handle);

                void Save()
                {
                    LockHandle vm = _vm.Lock();
                    try
                    {
                        Write();
                    }
                    finally
                    {
                        Release(vm);
                    }
                }

                void Write() { }
            }
            """);
    }

    [Fact]
    public async Task NullableHandle_ConditionalAcquire_FinallyNullConditionalDispose_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            #nullable enable
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Save(bool locked)
                {
                    LockHandle? vm = null;
                    try
                    {
                        if (locked)
                        {
                            vm = _vm.Lock();
                        }

                        Write();
                    }
                    finally
                    {
                        vm?.Dispose();
                    }
                }

                void Write() { }
            }
            """);
    }

    [Fact]
    public async Task AwaitUsing_QmpLock_IsSilent()
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
                        vm.ExitMonitor();
                    }
                }
            }
            """));
    }

    [Fact]
    public async Task LeakAlreadyReported_ReportsTsl1005Only()
    {
        // The lock is also held after the throwing call, but TSL1005 already names this acquisition.
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                int Save(int pages)
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    Write();
                    if (pages == 0)
                    {
                        {|#1:return 0;|}
                    }

                    _vm.Unlock(vm);
                    return pages;
                }

                void Write() { }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Save", "still held at a return"));
    }
}
