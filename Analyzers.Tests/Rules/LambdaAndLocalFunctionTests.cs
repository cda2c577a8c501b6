using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// Lambdas (returned, in field initializers, in conditions) and local functions are analysed like
/// methods, and a local function's <c>this</c> and captured locks are the caller's. Each comment
/// says what the engine once got wrong here.
/// </summary>
public class LambdaAndLocalFunctionTests
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
    public async Task LambdaThatMayThrow_InsideTheEnclosingMethodsUsingAndCatchFilter_AnalysedWithoutCrash_IsSilent()
    {
        // A lambda's graph sits in the regions of the graph around it: walking up from a throwing
        // block of the lambda must stop at its own root, not run the enclosing method's finally
        // (the using's dispose) against the lambda's blocks (AD0001 on DomainUserdata.Destroy).
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using Toolstack.Runtime;

            class Store
            {
                private delegate bool Filter(ref Entry entry);

                private struct Entry
                {
                    public string Name;
                }

                private readonly DriverLock _driver = new();

                public void Prune()
                {
                    using LockHandle driver = _driver.Lock();
                    List<string> names;
                    try
                    {
                        names = Where((ref Entry entry) => entry.Name.ToString().Length > 3 || IsLeftover(entry.Name));
                    }
                    catch (Exception e) when (e is InvalidOperationException or ArgumentException)
                    {
                        throw new ArgumentException("bad names", e);
                    }

                    foreach (string name in names)
                    {
                        Console.WriteLine(name);
                    }
                }

                private static bool IsLeftover(string name) => name.StartsWith("a", StringComparison.Ordinal);

                private static List<string> Where(Filter filter) => new();
            }
            """);
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
    // CallPaths.RootAtCall maps a summary path rooted at `this` through the call's
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

    // ---- lambdas that are never analyzed (every rule) ---------------------------------------

    /// <summary>
    /// A lambda that is returned (here by an expression-bodied member) is never analyzed:
    /// <c>LockAnalyzer.AnalyzeGraph</c> looks for lambdas in <c>block.Operations</c> only, and a
    /// returned value is the block's <c>BranchValue</c>. Nothing is reported.
    /// </summary>
    [Fact]
    public async Task Tsl1006_InReturnedLambda_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                Action Updater() => () =>
                {
                    LockHandle vm = {|#1:_vm.Lock()|};
                    _vm.Unlock(vm);
                    {|#0:_vm.Unlock(vm)|};
                };
            }
            """,
            VerifyCS.Diagnostic("TSL1006").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    /// <summary>
    /// Same cause as <see cref="Tsl1006_InReturnedLambda_Reports"/>: a lambda inside an
    /// <c>if</c> condition is part of the block's <c>BranchValue</c> and is never analyzed.
    /// </summary>
    [Fact]
    public async Task Tsl1009_InLambdaInsideIfCondition_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                bool Check(Func<int, bool> probe) => probe(1);

                void Start()
                {
                    if (Check(n =>
                    {
                        LockHandle vm = {|#0:_vm.Lock()|};
                        {|#1:Refresh(n)|};
                        _vm.Unlock(vm);
                        return true;
                    }))
                    {
                        Console.WriteLine("ok");
                    }
                }

                void Refresh(int n) { }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Refresh"));
    }

    /// <summary>
    /// A lambda in a field initializer is never analyzed: <c>LockAnalyzer.AnalyzeBlock</c> returns
    /// unless the owning symbol is a method, and here it is the field.
    /// </summary>
    [Fact]
    public async Task Tsl1007_InFieldInitializerLambda_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private static readonly DomainLock s_vm = new("vm1");

                private readonly Func<Task> _refresh = async () =>
                {
                    using LockHandle vm = {|#1:s_vm.Lock()|};
                    {|#0:await Task.Yield()|};
                };
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock 's_vm'"));
    }

    // ---- a lambda's or local function's own body is a method: leaks are TSL1005 there ----------
    // The lock a lambda or local function takes is its own to release, whatever the enclosing
    // method does; the same exemptions hold: try/finally, using, a handle returned or handed on.

    [Fact]
    public async Task Tsl1005_LambdaTakesLockAndFallsOffTheEnd_EnclosingMethodReleasesItsOwn_ReportsInTheLambdaOnly()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                Action Prepare()
                {
                    using LockHandle driver = _driver.Lock();
                    return () =>
                    {
                        LockHandle vm = {|#0:_vm.Lock()|};
                        {|#1:Console.WriteLine("refreshing");|}
                    };
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "lambda", "still held on leaving"));
    }

    [Fact]
    public async Task Tsl1005_LocalFunctionBreaksOutOfLoopWithLockHeld_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                int Scan(int[] items)
                {
                    return First();

                    int First()
                    {
                        foreach (int item in items)
                        {
                            LockHandle vm = {|#0:_vm.Lock()|};
                            if (item > 0)
                            {
                                {|#1:return item;|}
                            }

                            _vm.Unlock(vm);
                        }

                        return 0;
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "First", "still held at a return"));
    }

    [Fact]
    public async Task Tsl1005_AsyncLambdaTakesSlowLockAndForgetsIt_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                Func<Task> Insert(QmpLock qmp) => async () =>
                {
                    LockHandle slow = await {|#0:qmp.LockAsync()|};
                    {|#1:await Task.Delay(1);|}
                };
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("QmpLock 'qmp'", "lambda", "still held on leaving"));
    }

    [Fact]
    public async Task Tsl1005_LambdaReleasesOnOneBranchOnly_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                Action<bool> Updater() => valid =>
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
                };
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "lambda", "still held on leaving"));
    }

    [Fact]
    public async Task Tsl1005_LambdaTryFinally_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                Action<int> Updater() => n =>
                {
                    LockHandle vm = _vm.Lock();
                    try
                    {
                        if (n == 0)
                        {
                            return;
                        }

                        Console.WriteLine(n);
                    }
                    finally
                    {
                        _vm.Unlock(vm);
                    }
                };
            }
            """);
    }

    [Fact]
    public async Task Tsl1005_LambdaReturnsTheHandle_IsSilent()
    {
        // The handle is the lambda's result: the caller's to release, as for a method.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Run()
                {
                    Func<LockHandle> take = () => _vm.Lock();
                    using LockHandle vm = take();
                }
            }
            """);
    }

    [Fact]
    public async Task Tsl1005_LocalFunctionReturnsTheHandle_CallerUsesIt_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Run()
                {
                    using LockHandle vm = Take();

                    LockHandle Take()
                    {
                        LockHandle handle = _vm.Lock();
                        return handle;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Tsl1005_LambdaHandsTheHandleOn_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");
                private readonly List<LockHandle> _held = new();

                Action Keeper() => () =>
                {
                    LockHandle vm = _vm.Lock();
                    _held.Add(vm);
                };
            }
            """);
    }

    [Fact]
    public async Task Tsl1005_LocalFunctionUsingInsideLoop_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Run(int n)
                {
                    Loop();

                    void Loop()
                    {
                        for (int i = 0; i < n; i++)
                        {
                            using (_vm.Lock())
                            {
                                if (i == 3)
                                {
                                    break;
                                }

                                Console.WriteLine(i);
                            }
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Tsl1005_AsyncLambdaAwaitUsingSlowLock_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                Func<Task> Insert(QmpLock qmp) => async () =>
                {
                    await using LockHandle slow = await qmp.LockAsync();
                    await Task.Delay(1);
                };
            }
            """);
    }

    [Fact]
    public async Task Tsl1005_EnclosingMethodTakesLambdaReleasesCapturedHandle_IsSilent()
    {
        // The captured handle escapes into the lambda: neither body leaks it.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                Action Begin()
                {
                    LockHandle vm = _vm.Lock();
                    return () => _vm.Unlock(vm);
                }
            }
            """);
    }
}

