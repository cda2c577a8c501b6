using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// TSL1001: a lock taken while a lock at or inside its level is held on every path. Reported at
/// the out-of-order acquisition; the additional location is where the held lock was taken.
/// </summary>
public class Tsl1001LockOrderTests
{
    private const string DriverBeforeDomain = "DriverLock (level 200) must be taken before DomainLock (level 300)";
    private const string TwoDomains = "two locks of level 300 may not be nested";
    private const string SameLockTwice = "the same lock is taken twice";

    // ---- must report ----------------------------------------------------------------------

    [Fact]
    public async Task DriverAfterDomain_UsingDeclarations_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");

                void Rename()
                {
                    using var vm = {|#1:_vm1.Lock()|};
                    using var driver = {|#0:_driver.Lock()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "DomainLock '_vm1'", DriverBeforeDomain));
    }

    [Fact]
    public async Task TwoDomains_NestedUsingStatements_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Swap()
                {
                    using ({|#1:_vm1.Lock()|})
                    {
                        using ({|#0:_vm2.Lock()|})
                        {
                        }
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm2'", "DomainLock '_vm1'", TwoDomains));
    }

    [Fact]
    public async Task TwoDomainParameters_Nested_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Migration
            {
                void Move(DomainLock source, DomainLock target)
                {
                    using var from = {|#1:source.Lock()|};
                    using var to = {|#0:target.Lock()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock 'target'", "DomainLock 'source'", TwoDomains));
    }

    [Fact]
    public async Task SameDomainTwice_ThroughLocalCopyOfTheLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");

                void Refresh()
                {
                    var same = _vm1;
                    using var first = {|#1:_vm1.Lock()|};
                    using var second = {|#0:same.Lock()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm1'", "DomainLock '_vm1'", SameLockTwice));
    }

    [Fact]
    public async Task QmpLockAsync_UnderDriverLock_ReportsOrderOnly()
    {
        // The await of the out-of-order acquisition is the same mistake: no TSL1007.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                async Task ChangeMediaAsync(QmpLock qmp)
                {
                    using var driver = {|#1:_driver.Lock()|};
                    using var slow = await {|#0:qmp.LockAsync()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("QmpLock 'qmp'", "DriverLock '_driver'", "QmpLock (level 100) must be taken before DriverLock (level 200)"));
    }

    [Fact]
    public async Task QmpLockAsync_UnderJsonLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                async Task InsertAsync(JsonLock json, QmpLock qmp)
                {
                    using var config = {|#1:json.Lock()|};
                    using var slow = await {|#0:qmp.LockAsync()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("QmpLock 'qmp'", "JsonLock 'json'", "QmpLock (level 100) must be taken before JsonLock (level 400)"));
    }

    [Fact]
    public async Task DriverAfterDomain_InsideIfBranch_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");

                void Refresh(bool global)
                {
                    using var vm = {|#1:_vm1.Lock()|};
                    if (global)
                    {
                        using var driver = {|#0:_driver.Lock()|};
                    }
                    else
                    {
                        global = true;
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "DomainLock '_vm1'", DriverBeforeDomain));
    }

    [Fact]
    public async Task DriverAfterDomain_InSwitchCase_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");

                int Apply(int operation)
                {
                    using var vm = {|#1:_vm1.Lock()|};
                    switch (operation)
                    {
                        case 0:
                            return 0;
                        case 1:
                            using ({|#0:_driver.Lock()|})
                            {
                                return 1;
                            }
                        default:
                            return -1;
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "DomainLock '_vm1'", DriverBeforeDomain));
    }

    [Fact]
    public async Task DriverAfterDomain_InForeachWithBreakAndContinue_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");

                void Walk(string[] names)
                {
                    foreach (string name in names)
                    {
                        if (name.Length == 0)
                        {
                            continue;
                        }

                        using var vm = {|#1:_vm1.Lock()|};
                        if (name == "stop")
                        {
                            break;
                        }

                        using var driver = {|#0:_driver.Lock()|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "DomainLock '_vm1'", DriverBeforeDomain));
    }

    [Fact]
    public async Task DriverAfterDomain_InWhileLoopTryFinally_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");

                void Poll(int rounds)
                {
                    while (rounds-- > 0)
                    {
                        LockHandle vm = {|#1:_vm1.Lock()|};
                        try
                        {
                            using LockHandle driver = {|#0:_driver.Lock()|};
                        }
                        finally
                        {
                            _vm1.Unlock(vm);
                        }
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "DomainLock '_vm1'", DriverBeforeDomain));
    }

    [Fact]
    public async Task DriverAfterDomain_HeldThroughHandleCopy_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");

                void Refresh()
                {
                    LockHandle vm = {|#1:_vm1.Lock()|};
                    LockHandle same = vm;
                    try
                    {
                        using var driver = {|#0:_driver.Lock()|};
                    }
                    finally
                    {
                        same.Dispose();
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "DomainLock '_vm1'", DriverBeforeDomain));
    }

    [Fact]
    public async Task DriverAfterHelperReturningHeldDomainLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");

                LockHandle LockVm() => _vm1.Lock();

                void Refresh()
                {
                    using var vm = {|#1:LockVm()|};
                    using var driver = {|#0:_driver.Lock()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "DomainLock '_vm1'", DriverBeforeDomain));
    }

    [Fact]
    public async Task DriverAfterDomain_InsideLambda_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");

                void Refresh()
                {
                    Action work = () =>
                    {
                        using var vm = {|#1:_vm1.Lock()|};
                        using var driver = {|#0:_driver.Lock()|};
                    };
                    work();
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "DomainLock '_vm1'", DriverBeforeDomain));
    }

    [Fact]
    public async Task DriverAfterDomain_InsideLocalFunction_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");

                void Refresh()
                {
                    Work();

                    void Work()
                    {
                        using var vm = {|#1:_vm1.Lock()|};
                        using var driver = {|#0:_driver.Lock()|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "DomainLock '_vm1'", DriverBeforeDomain));
    }

    [Fact]
    public async Task DomainUnderSlowLock_ThenDriver_AwaitUsing_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");

                async Task EjectAsync(QmpLock qmp)
                {
                    await using LockHandle slow = await qmp.LockAsync();
                    using (LockHandle vm = {|#1:_vm1.Lock()|})
                    using (LockHandle driver = {|#0:_driver.Lock()|})
                    {
                    }

                    await Task.Yield();
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "DomainLock '_vm1'", DriverBeforeDomain));
    }

    [Fact]
    public async Task UserLockLevel250_UnderDomainLock_Reports()
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
                    using var vm = {|#1:_vm1.Lock()|};
                    using var pool = {|#0:_pool.Lock()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("PoolLock '_pool'", "DomainLock '_vm1'", "PoolLock (level 250) must be taken before DomainLock (level 300)"));
    }

    [Fact]
    public async Task DriverAfterDomainAndJson_NamesTheInnermostHeldLock()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");

                void Save(JsonLock json)
                {
                    using var vm = _vm1.Lock();
                    using var config = {|#1:json.Lock()|};
                    using var driver = {|#0:_driver.Lock()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "JsonLock 'json'", "DriverLock (level 200) must be taken before JsonLock (level 400)"));
    }

    // ---- must stay silent -----------------------------------------------------------------

    [Fact]
    public async Task HierarchyOrder_SlowDriverDomain_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");

                async Task EjectAsync(QmpLock qmp)
                {
                    await using LockHandle slow = await qmp.LockAsync();
                    using (LockHandle driver = _driver.Lock())
                    using (LockHandle vm = _vm1.Lock())
                    {
                    }

                    await Task.Yield();
                }
            }
            """);
    }

    [Fact]
    public async Task DomainThenJson_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");

                void Save(JsonLock json)
                {
                    using var vm = _vm1.Lock();
                    using var config = json.Lock();
                }
            }
            """);
    }

    [Fact]
    public async Task DomainReleasedBeforeDriver_UsingStatementsInSequence_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Refresh()
                {
                    using (_vm1.Lock())
                    {
                    }

                    using (_vm2.Lock())
                    {
                    }

                    using (_driver.Lock())
                    {
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task DomainReleasedInFinally_ThrowInTry_ThenDriver_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");

                void Refresh(bool broken)
                {
                    LockHandle vm = _vm1.Lock();
                    try
                    {
                        if (broken)
                        {
                            throw new InvalidOperationException("broken");
                        }
                    }
                    finally
                    {
                        _vm1.Unlock(vm);
                    }

                    using var driver = _driver.Lock();
                }
            }
            """);
    }

    [Fact]
    public async Task DomainTakenInOneBranchOnly_ThenDriver_IsSilent()
    {
        // Held on some paths only: these rules report only locks held on every path.
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");

                void Refresh(bool pin)
                {
                    LockHandle vm = null;
                    if (pin)
                    {
                        vm = _vm1.Lock();
                    }

                    using (_driver.Lock())
                    {
                    }

                    vm?.Dispose();
                }
            }
            """);
    }

    [Fact]
    public async Task EarlyReturnInsideUsing_ThenDriver_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");

                void Refresh(bool quick)
                {
                    using (_vm1.Lock())
                    {
                        if (quick)
                        {
                            return;
                        }
                    }

                    using var driver = _driver.Lock();
                }
            }
            """);
    }

    [Fact]
    public async Task EachDomainLockedInTurn_ForeachWithContinue_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void RefreshAll(DomainLock[] domains)
                {
                    using var driver = _driver.Lock();
                    foreach (DomainLock domain in domains)
                    {
                        using LockHandle vm = domain.Lock();
                        if (domain.Name.Length == 0)
                        {
                            continue;
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task HelperReleasingHandleParameter_ThenDriver_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");

                void Done(LockHandle handle) => _vm1.Unlock(handle);

                void Refresh()
                {
                    LockHandle vm = _vm1.Lock();
                    Done(vm);
                    using var driver = _driver.Lock();
                }
            }
            """);
    }

    [Fact]
    public async Task LambdaCreatedUnderDomainLock_TakingDriverLock_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");

                Action Schedule()
                {
                    using var vm = _vm1.Lock();
                    return () =>
                    {
                        using var driver = _driver.Lock();
                    };
                }
            }
            """);
    }

    [Fact]
    public async Task HandleParameterOfUnknownOrigin_ThenDriver_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private LockHandle _held;

                void Refresh(LockHandle vm)
                {
                    using var driver = _driver.Lock();
                    _held = vm;
                }
            }
            """);
    }

    [Fact]
    public async Task UserLockLevel250_BetweenDriverAndDomain_IsSilent()
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
                private readonly DriverLock _driver = new();
                private readonly PoolLock _pool = new();
                private readonly DomainLock _vm1 = new("vm1");

                void Resize()
                {
                    using var driver = _driver.Lock();
                    using var pool = _pool.Lock();
                    using var vm = _vm1.Lock();
                }
            }
            """);
    }

    [Fact]
    public async Task LookAlikeDomainLockInAnotherNamespace_IsIgnored()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            namespace Elsewhere
            {
                sealed class DomainLock
                {
                    public IDisposable Lock() => null;
                }

                class Daemon
                {
                    private readonly DriverLock _driver = new();
                    private readonly DomainLock _vm1 = new();

                    void Refresh()
                    {
                        using var vm = _vm1.Lock();
                        using var driver = _driver.Lock();
                    }
                }
            }
            """);
    }
}
