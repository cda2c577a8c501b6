using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// TSL1003: a handle released through a lock of another type or instance. Reported at the
/// release; the additional location is where the handle's lock was taken.
/// </summary>
public class Tsl1003WrongLockReleaseTests
{
    // ---- must report ----------------------------------------------------------------------

    [Fact]
    public async Task DomainHandle_UnlockedThroughOtherDomain_TryFinally_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");
                private int _generation;

                void Refresh()
                {
                    LockHandle vm = {|#1:_vm1.Lock()|};
                    try
                    {
                        _generation++;
                    }
                    finally
                    {
                        {|#0:_vm2.Unlock(vm)|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm1'", "DomainLock '_vm2'"));
    }

    [Fact]
    public async Task JsonHandle_UnlockedThroughQmpLock_Reports()
    {
        // The libxl review's unlock_userdata(qmp_lock), the other way round.
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Hotplug
            {
                void Save(JsonLock json, QmpLock qmp)
                {
                    LockHandle config = {|#1:json.Lock()|};
                    {|#0:qmp.Unlock(config)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("JsonLock 'json'", "QmpLock 'qmp'"));
    }

    [Fact]
    public async Task SlowHandle_UnlockedThroughJsonLock_InAsyncMethod_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                async Task InsertAsync(JsonLock json, QmpLock qmp)
                {
                    LockHandle slow = await {|#1:qmp.LockAsync()|};
                    try
                    {
                        await Task.Yield();
                    }
                    finally
                    {
                        {|#0:json.Unlock(slow)|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("QmpLock 'qmp'", "JsonLock 'json'"));
    }

    [Fact]
    public async Task DriverHandle_UnlockedThroughDomainLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");

                void Refresh()
                {
                    LockHandle driver = {|#1:_driver.Lock()|};
                    {|#0:_vm1.Unlock(driver)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "DomainLock '_vm1'"));
    }

    [Fact]
    public async Task TwoDomainParameters_SourceHandleThroughTarget_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Migration
            {
                void Move(DomainLock source, DomainLock target)
                {
                    LockHandle from = {|#1:source.Lock()|};
                    {|#0:target.Unlock(from)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock 'source'", "DomainLock 'target'"));
    }

    [Fact]
    public async Task HandleCopy_ReleasedThroughWrongLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Refresh()
                {
                    LockHandle vm = {|#1:_vm1.Lock()|};
                    LockHandle same = vm;
                    {|#0:_vm2.Unlock(same)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm1'", "DomainLock '_vm2'"));
    }

    [Fact]
    public async Task LocalCopyOfOtherDomainLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Refresh()
                {
                    DomainLock other = _vm2;
                    LockHandle vm = {|#1:_vm1.Lock()|};
                    {|#0:other.Unlock(vm)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm1'", "DomainLock '_vm2'"));
    }

    [Fact]
    public async Task HelperReleasingHandleParameterThroughWrongLock_ReportsAtCall()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Finish(LockHandle handle) => _vm2.Unlock(handle);

                void Refresh()
                {
                    LockHandle vm = {|#1:_vm1.Lock()|};
                    {|#0:Finish(vm)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm1'", "DomainLock '_vm2'"));
    }

    [Fact]
    public async Task StaticLocalFunctionReleasingHandleParameterThroughWrongLock_ReportsAtCall()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Refresh()
                {
                    LockHandle vm = {|#1:_vm1.Lock()|};
                    {|#0:Finish(_vm2, vm)|};

                    static void Finish(DomainLock through, LockHandle handle) => through.Unlock(handle);
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm1'", "DomainLock '_vm2'"));
    }

    [Fact]
    public async Task HandleFromHelperReturningHeldLock_ReleasedThroughWrongLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                LockHandle LockVm1() => _vm1.Lock();

                void Refresh()
                {
                    LockHandle vm = {|#1:LockVm1()|};
                    {|#0:_vm2.Unlock(vm)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm1'", "DomainLock '_vm2'"));
    }

    [Fact]
    public async Task WrongReleaseInElseBranch_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Refresh(bool first)
                {
                    LockHandle vm = {|#1:_vm1.Lock()|};
                    if (first)
                    {
                        _vm1.Unlock(vm);
                    }
                    else
                    {
                        {|#0:_vm2.Unlock(vm)|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm1'", "DomainLock '_vm2'"));
    }

    [Fact]
    public async Task WrongReleaseInSwitchCase_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Refresh(int mode)
                {
                    LockHandle vm = {|#1:_vm1.Lock()|};
                    switch (mode)
                    {
                        case 0:
                            vm.Dispose();
                            break;
                        default:
                            {|#0:_vm2.Unlock(vm)|};
                            break;
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm1'", "DomainLock '_vm2'"));
    }

    [Fact]
    public async Task WrongReleaseInForeachWithBreak_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");
                private int _seen;

                void Walk(string[] names)
                {
                    foreach (string name in names)
                    {
                        LockHandle vm = {|#1:_vm1.Lock()|};
                        try
                        {
                            if (name.Length == 0)
                            {
                                break;
                            }

                            _seen++;
                        }
                        finally
                        {
                            {|#0:_vm2.Unlock(vm)|};
                        }
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm1'", "DomainLock '_vm2'"));
    }

    [Fact]
    public async Task WrongReleaseInsideLambda_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Refresh()
                {
                    Action work = () =>
                    {
                        LockHandle vm = {|#1:_vm1.Lock()|};
                        {|#0:_vm2.Unlock(vm)|};
                    };
                    work();
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm1'", "DomainLock '_vm2'"));
    }

    [Fact]
    public async Task UserLockHandle_ReleasedThroughDomainLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
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

            class Daemon
            {
                private readonly PoolLock _pool = new();
                private readonly DomainLock _vm1 = new("vm1");

                void Resize()
                {
                    LockHandle pool = {|#1:_pool.Lock()|};
                    {|#0:_vm1.Unlock(pool)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("PoolLock '_pool'", "DomainLock '_vm1'"));
    }

    // ---- must stay silent -----------------------------------------------------------------

    [Fact]
    public async Task RightLock_TryFinally_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private int _generation;

                void Refresh()
                {
                    LockHandle vm = _vm1.Lock();
                    try
                    {
                        _generation++;
                    }
                    finally
                    {
                        _vm1.Unlock(vm);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task RightLockThroughLocalCopyOfTheLock_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");

                void Refresh()
                {
                    DomainLock same = _vm1;
                    LockHandle vm = _vm1.Lock();
                    same.Unlock(vm);
                }
            }
            """);
    }

    [Fact]
    public async Task HandleCopy_ReleasedThroughRightLock_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");

                void Refresh()
                {
                    LockHandle vm = _vm1.Lock();
                    LockHandle same = vm;
                    _vm1.Unlock(same);
                }
            }
            """);
    }

    [Fact]
    public async Task HandleParameterOrFieldOfUnknownOrigin_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm2 = new("vm2");
                private LockHandle _held;

                void Finish(LockHandle handle) => _vm2.Unlock(handle);

                void FinishHeld() => _vm2.Unlock(_held);
            }
            """);
    }

    [Fact]
    public async Task HandleFromEitherLock_ReleasedThroughOneOfThem_IsSilent()
    {
        // The handle may come from the right lock: not guessed at.
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Refresh(bool first)
                {
                    LockHandle vm = first ? _vm1.Lock() : _vm2.Lock();
                    _vm1.Unlock(vm);
                }
            }
            """);
    }

    [Fact]
    public async Task DisposeInsteadOfUnlock_UsingAndAwaitUsing_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                private readonly DomainLock _vm1 = new("vm1");

                async Task InsertAsync(QmpLock qmp)
                {
                    await using LockHandle slow = await qmp.LockAsync();
                    using (LockHandle vm = _vm1.Lock())
                    {
                    }

                    await Task.Yield();
                }
            }
            """);
    }

    [Fact]
    public async Task HelperReleasingHandleParameterThroughRightLock_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");

                void Finish(LockHandle handle) => _vm1.Unlock(handle);

                void Refresh()
                {
                    LockHandle vm = _vm1.Lock();
                    Finish(vm);
                }
            }
            """);
    }

    [Fact]
    public async Task LambdaReleasingCapturedHandle_IsSilent()
    {
        // Inside the lambda the captured handle is of unknown origin: not guessed at.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                Action Refresh()
                {
                    LockHandle vm = _vm1.Lock();
                    return () => _vm2.Unlock(vm);
                }
            }
            """);
    }

    [Fact]
    public async Task RightLockOnEveryBranch_IfElseAndEarlyReturn_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");

                int Refresh(int mode)
                {
                    LockHandle vm = _vm1.Lock();
                    if (mode == 0)
                    {
                        _vm1.Unlock(vm);
                        return 0;
                    }
                    else if (mode == 1)
                    {
                        vm.Dispose();
                    }
                    else
                    {
                        _vm1.Unlock(vm);
                    }

                    return mode;
                }
            }
            """);
    }

    [Fact]
    public async Task RightLockInLoopWithContinue_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private int _seen;

                void Walk(DomainLock[] domains)
                {
                    for (int i = 0; i < domains.Length; i++)
                    {
                        DomainLock domain = domains[i];
                        LockHandle vm = domain.Lock();
                        try
                        {
                            if (domain.Name.Length == 0)
                            {
                                continue;
                            }

                            _seen++;
                        }
                        finally
                        {
                            domain.Unlock(vm);
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task LookAlikeDomainLockUnlock_IsIgnored()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            namespace Elsewhere
            {
                sealed class DomainLock
                {
                    public void Unlock(LockHandle handle) { }
                }

                class Daemon
                {
                    private readonly Toolstack.Runtime.DomainLock _vm1 = new("vm1");
                    private readonly DomainLock _other = new();

                    void Refresh()
                    {
                        using LockHandle vm = _vm1.Lock();
                        _other.Unlock(vm);
                    }
                }
            }
            """);
    }
}
