using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// Cases of TSL1001–TSL1004 the engine once got wrong (found while writing the rule tests); the
/// comment on each says what went wrong before the fix and why.
/// </summary>
public class EngineRegressionATests
{
    // ---- lambdas that are a block's branch value were never analyzed --------------------------
    // LockAnalyzer.AnalyzeGraph looks for IFlowAnonymousFunctionOperation only in
    // block.Operations, never in block.BranchValue. A lambda that is returned (`return () => ...`,
    // `=> () => ...`, `=> Task.Run(() => ...)`) or used in a condition lives in a branch value, so
    // its graph is never analyzed and nothing inside it is reported. Before the fix: no diagnostic.

    [Fact]
    public async Task Tsl1001_LambdaReturnedFromExpressionBodiedMethod_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");

                Action Later() => () =>
                {
                    using var vm = {|#1:_vm1.Lock()|};
                    using var driver = {|#0:_driver.Lock()|};
                };
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "DomainLock '_vm1'", "DriverLock (level 200) must be taken before DomainLock (level 300)"));
    }

    [Fact]
    public async Task Tsl1002_TaskRunLambdaAsExpressionBody_TakesDriverLockAndSleeps_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                Task Start() => Task.Run(() =>
                {
                    using var driver = {|#1:_driver.Lock()|};
                    {|#0:Thread.Sleep(1)|};
                });
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task Tsl1003_LambdaReturnedFromBlockBody_WrongRelease_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                Action Later()
                {
                    return () =>
                    {
                        LockHandle vm = {|#1:_vm1.Lock()|};
                        {|#0:_vm2.Unlock(vm)|};
                    };
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm1'", "DomainLock '_vm2'"));
    }

    [Fact]
    public async Task Tsl1004_LambdaReturnedFromExpressionBodiedMethod_Reports()
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

                Func<Task> Later() => () =>
                {
                    using var vm = {|#1:_vm1.Lock()|};
                    return {|#0:_qmp.StopAsync()|};
                };
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("StopAsync", "DomainLock '_vm1'"));
    }

    // ---- lambdas in field initializers were never analyzed ------------------------------------
    // LockAnalyzer.AnalyzeBlock returns at once when the owning symbol is not a method; a field
    // initializer's owner is the field, so a lambda stored in a field is never analyzed.
    // Before the fix: no diagnostic.

    [Fact]
    public async Task Tsl1002_LambdaInStaticFieldInitializer_TakesDriverLockAndSleeps_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private static readonly DriverLock s_driver = new();

                private static readonly Action s_work = () =>
                {
                    using var driver = {|#1:s_driver.Lock()|};
                    {|#0:Thread.Sleep(1)|};
                };
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock 's_driver'"));
    }

    // ---- non-static local functions: `this` was not rebased at the call -----------------------
    // LockStateEngine.RootAtCall maps a summary path rooted at `this` through the call's
    // Instance, which is null for a local function call; the path becomes unknown (null).

    [Fact]
    public async Task Tsl1003_LocalFunctionReleasingThroughAFieldLock_ReportsAtCall()
    {
        // Before the fix: no diagnostic. The release's lock path (this._vm2) becomes null at the call, and
        // TSL1003 treats an unknown releaser instance of the same type as possibly right.
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Refresh()
                {
                    LockHandle vm = {|#1:_vm1.Lock()|};
                    {|#0:Finish(vm)|};

                    void Finish(LockHandle handle) => _vm2.Unlock(handle);
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm1'", "DomainLock '_vm2'"));
    }

    [Fact]
    public async Task Tsl1001_LocalFunctionReturningHeldLock_SameLockAgain_ReportsSameLockTwice()
    {
        // Before the fix: reported, but as "Acquiring DomainLock '_vm1' while DomainLock 'LockVm()' is held
        // ... two locks of level 300 may not be nested": the held lock's path is lost at the call,
        // so it is named after the call and not recognised as the same lock. The same helper as a
        // method (not a local function) gives the expected message.
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");

                void Refresh()
                {
                    using var first = {|#1:LockVm()|};
                    using var second = {|#0:_vm1.Lock()|};

                    LockHandle LockVm() => _vm1.Lock();
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm1'", "DomainLock '_vm1'", "the same lock is taken twice"));
    }

    // ---- one mistake, one diagnostic -----------------------------------------------------------

    [Fact]
    public async Task Tsl1003_UsingDeclarationThenUnlockThroughWrongLock_IsTsl1003Only()
    {
        // Before the fix: TSL1003 at the Unlock, plus TSL1006 ("released here although it is no longer
        // held") at the using declaration. The engine marks the handle released by the wrong
        // Unlock, then sees the implicit Dispose as a second release; but LockHandle.Dispose is
        // idempotent ("so using is always safe"), so the disposal is no second mistake. The same
        // TSL1006 appears with the right lock (`using var vm = _vm1.Lock(); _vm1.Unlock(vm);`).
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Refresh()
                {
                    using LockHandle vm = {|#1:_vm1.Lock()|};
                    {|#0:_vm2.Unlock(vm)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm1'", "DomainLock '_vm2'"));
    }

    // ---- members that are methods too ----------------------------------------------------------

    [Fact]
    public async Task Tsl1002_PropertyGetterThatSleeps_ReadUnderDriverLock_ReportsChain()
    {
        // DESIGN: the driver lock forbids "methods that reach any of these"; a getter is a method.
        // Before the fix: no diagnostic. LockStateEngine.Call computes a summary only when the callee is an
        // IMethodSymbol; for a property reference the callee is the IPropertySymbol, so the getter's
        // body is never summarized.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                int Status
                {
                    get
                    {
                        Thread.Sleep(10);
                        return 1;
                    }
                }

                int Run()
                {
                    using var driver = {|#1:_driver.Lock()|};
                    return {|#0:Status|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Status → Thread.Sleep", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task Tsl1002_RequiresLockWithoutInstance_NamesTheLockTypeNotThis()
    {
        // [RequiresLock(typeof(DriverLock))] without Lock = "any held lock of LockType". Before the fix the
        // message says "DriverLock 'this'": LockStateEngine.TargetPathInOwnTerms maps a target
        // without a name to LockPath.This even when the method's own type is not a lock type.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                [RequiresLock(typeof(DriverLock))]
                void {|#1:Refresh|}()
                {
                    {|#0:Thread.Sleep(1)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock"));
    }

    [Fact]
    public async Task Tsl1004_HelperWithPlainAndQmpLockRequirements_UnderSlowLock_Reports()
    {
        // The helper calls a plain [RequiresUnlocked] member and one that names QmpLock; under the
        // slow lock the second is a violation. Before the fix: no diagnostic. MethodAnalysis.Summarize
        // drops the named kinds as soon as any plain requirement is seen (everyShortLock →
        // RequiresUnlockedKinds empty → "every short lock"), so QmpLock is no longer forbidden.
        // It also keeps only the first chain (→ StopAsync), which would name the wrong call.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync() => Task.CompletedTask;

                [RequiresUnlocked(typeof(QmpLock))]
                public Task ReopenAsync() => Task.CompletedTask;
            }

            class Hotplug
            {
                private readonly Qmp _qmp = new();

                async Task ReconnectAsync()
                {
                    await _qmp.StopAsync();
                    await _qmp.ReopenAsync();
                }

                async Task RunAsync(QmpLock slow)
                {
                    await using LockHandle devices = await {|#1:slow.LockAsync()|};
                    await {|#0:ReconnectAsync()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("ReconnectAsync → ReopenAsync", "QmpLock 'slow'"));
    }

    [Fact]
    public async Task Tsl1001_HelperTakingDriverLockBriefly_CalledUnderDomainLock_Reports()
    {
        // Judgement call, flagged as such: the helper takes the driver lock while the caller holds
        // a domain lock — out of hierarchy order at run time (the validator throws
        // LockOrderException). Before the fix: no diagnostic. Method summaries record only locks still
        // held at every normal exit (MethodAnalysis.Summarize), not locks taken and released
        // inside, so TSL1001 never sees the inner acquisition. The engine already follows helpers
        // for TSL1002/TSL1004. Summaries now list every lock a method takes (SummaryTake), and the
        // message names the call that takes it.
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm1 = new("vm1");
                private int _generation;

                void Touch()
                {
                    using var driver = _driver.Lock();
                    _generation++;
                }

                void Refresh()
                {
                    using var vm = {|#1:_vm1.Lock()|};
                    {|#0:Touch()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver' through 'Touch'", "DomainLock '_vm1'", "DriverLock (level 200) must be taken before DomainLock (level 300)"));
    }

    // ---- found while writing the rule pages ---------------------------------------------------

    [Fact]
    public async Task Tsl1003_WrongUnlockThenRightUnlock_IsTsl1003Only()
    {
        // The wrong Unlock throws at run time and the handle stays held, so the right Unlock after
        // it is not a second release. Before the fix: TSL1003 plus TSL1006 at the right Unlock.
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Run()
                {
                    LockHandle vm = {|#1:_vm1.Lock()|};
                    {|#0:_vm2.Unlock(vm)|};
                    _vm1.Unlock(vm);
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm1'", "DomainLock '_vm2'"));
    }

    [Fact]
    public async Task Tsl1002_UserLockTypeInSameProject_TakenUnderDriverLock_IsSilent()
    {
        // A lock type's members are what their attributes say; the SemaphoreSlim.Wait in the body
        // of Lock() is the mechanism, not a blocking call. Before the fix: TSL1002 'Lock → SemaphoreSlim.Wait'.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            [LockLevel(250)]
            sealed class PoolLock : HierarchicalLock
            {
                private readonly SemaphoreSlim _mutex = new(1, 1);

                public PoolLock() : base("pool") { }

                [AcquiresLock(typeof(PoolLock))]
                public LockHandle Lock()
                {
                    LockHandle handle = BeginAcquire();
                    _mutex.Wait();
                    return CompleteAcquire(handle);
                }

                [ReleasesLock(typeof(PoolLock))]
                public void Unlock(LockHandle handle) => Release(handle);

                protected override void ReleaseCore(LockHandle handle) => _mutex.Release();
            }

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly PoolLock _pool = new();

                void Run()
                {
                    using var driver = _driver.Lock();
                    using var pool = _pool.Lock();
                }
            }
            """);
    }
}
