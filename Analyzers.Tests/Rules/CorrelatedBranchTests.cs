using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// Correlated branches: a lock taken and released under the same bool (a local or parameter not
/// reassigned in between, a flag set with the acquisition, a null test of the handle) is followed
/// path by path. Infeasible paths give no TSL1005/TSL1006; a blocking call, QMP call or await on a
/// feasible path with the lock held is reported, naming the condition.
/// </summary>
public class CorrelatedBranchTests
{
    // ---- must report ----------------------------------------------------------------------

    [Fact]
    public async Task SleepBetweenCorrelatedAcquireAndRelease_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run(bool take)
                {
                    LockHandle h = default!;
                    if (take) h = {|#1:_driver.Lock()|};
                    {|#0:Thread.Sleep(1)|};
                    if (take) _driver.Unlock(h);
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver' (when 'take' is true)"));
    }

    [Fact]
    public async Task SleepWithLockHeldWhenFalse_NegatedCondition_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run(bool skip)
                {
                    LockHandle h = default!;
                    if (!skip) h = {|#1:_driver.Lock()|};
                    {|#0:Thread.Sleep(1)|};
                    if (!skip) _driver.Unlock(h);
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver' (when 'skip' is false)"));
    }

    [Fact]
    public async Task FlagSetWithAcquisition_SleepBeforeRelease_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run(int domains)
                {
                    LockHandle h = default!;
                    bool locked = false;
                    if (domains > 0)
                    {
                        h = {|#1:_driver.Lock()|};
                        locked = true;
                    }

                    {|#0:Thread.Sleep(1)|};
                    if (locked)
                    {
                        _driver.Unlock(h);
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver' (when 'locked' is true)"));
    }

    [Fact]
    public async Task QmpCallWithDomainLockHeldWhenTake_ReleasedByNullTest_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync(RuleSources.WithDomainTypes("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");
                private readonly QmpMonitor _qmp = new();

                void Run(bool take)
                {
                    LockHandle? h = null;
                    if (take) h = {|#1:_vm.Lock()|};
                    {|#0:_qmp.StopAsync()|};
                    if (h != null) _vm.Unlock(h);
                }
            }
            """),
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("StopAsync", "DomainLock '_vm' (when 'take' is true)"));
    }

    [Fact]
    public async Task AwaitWithDomainLockHeldWhenTake_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                async Task RunAsync(bool take)
                {
                    LockHandle h = default!;
                    if (take) h = {|#1:_vm.Lock()|};
                    {|#0:await Task.Yield()|};
                    if (take) _vm.Unlock(h);
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm' (when 'take' is true)"));
    }

    [Fact]
    public async Task ReleasedUnderAnotherBool_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run(bool take, bool release)
                {
                    LockHandle h = default!;
                    if (take) h = {|#0:_driver.Lock()|};
                    {|#1:if (release) _driver.Unlock(h);|}
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "Run", "still held on leaving"));
    }

    [Fact]
    public async Task BoolReassignedBetween_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run(bool take, int domains)
                {
                    LockHandle h = default!;
                    if (take) h = {|#0:_driver.Lock()|};
                    take = domains > 0;
                    {|#1:if (take) _driver.Unlock(h);|}
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "Run", "still held on leaving"));
    }

    [Fact]
    public async Task MoreBoolsThanTheBound_FallsBackToTheJoin_Reports()
    {
        // Nine bools known before the acquisition's: the tenth is not tracked (ConditionTable.MaxConditions is 8).
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run(bool take)
                {
                    bool a = true, b = true, c = true, d = true, e = true, f = true, g = true, i = true, j = true;
                    LockHandle h = default!;
                    if (take) h = {|#0:_driver.Lock()|};
                    if (take) _driver.Unlock(h);
                    {|#1:System.Console.WriteLine(a && b && c && d && e && f && g && i && j);|}
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "Run", "still held on leaving"));
    }

    [Fact]
    public async Task BoolWrittenThroughOut_NotTracked_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run(bool take)
                {
                    LockHandle h = default!;
                    if (take) h = {|#0:_driver.Lock()|};
                    Refresh(out take);
                    {|#1:if (take) _driver.Unlock(h);|}
                }

                static void Refresh(out bool again) => again = false;
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "Run", "still held on leaving"));
    }

    [Fact]
    public async Task BoolWrittenByLambda_NotTracked_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run(bool take)
                {
                    LockHandle h = default!;
                    if (take) h = {|#0:_driver.Lock()|};
                    Action stop = () => take = false;
                    stop();
                    {|#1:if (take) _driver.Unlock(h);|}
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "Run", "still held on leaving"));
    }

    // ---- must stay silent -----------------------------------------------------------------

    [Fact]
    public async Task AcquireAndReleaseUnderSameParameter_NoLeak_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _count;

                void Run(bool take)
                {
                    LockHandle h = default!;
                    if (take) h = _driver.Lock();
                    _count++;
                    if (take) _driver.Unlock(h);
                }
            }
            """);
    }

    [Fact]
    public async Task ReleasedOnEitherSideOfSameBool_NoLeakNoDoubleRelease_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _count;

                void Run(bool early)
                {
                    LockHandle h = _driver.Lock();
                    if (early) _driver.Unlock(h);
                    _count++;
                    if (!early) _driver.Unlock(h);
                }
            }
            """);
    }

    [Fact]
    public async Task FlagSetWithAcquisition_TryFinally_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _count;

                void Run(int domains)
                {
                    LockHandle h = default!;
                    bool locked = false;
                    try
                    {
                        if (domains > 0)
                        {
                            h = _driver.Lock();
                            locked = true;
                        }

                        _count++;
                    }
                    finally
                    {
                        if (locked) _driver.Unlock(h);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task CorrelatedAcquireAndRelease_InLoop_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _count;

                void Run(int domains)
                {
                    for (int i = 0; i < domains; i++)
                    {
                        bool take = i % 2 == 0;
                        LockHandle h = default!;
                        if (take) h = _driver.Lock();
                        _count++;
                        if (take) _driver.Unlock(h);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task CorrelatedAcquireAndRelease_InLambdaAndLocalFunction_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _count;

                void Run(bool take)
                {
                    Action<bool> lambda = t =>
                    {
                        LockHandle h = default!;
                        if (t) h = _driver.Lock();
                        _count++;
                        if (t) _driver.Unlock(h);
                    };
                    lambda(take);
                    Local(take);

                    void Local(bool t)
                    {
                        LockHandle h = default!;
                        if (t) h = _driver.Lock();
                        _count++;
                        if (t) _driver.Unlock(h);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task CorrelatedDomainLock_AwaitAfterRelease_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");
                private int _count;

                async Task RunAsync(bool take)
                {
                    LockHandle h = default!;
                    if (take) h = _vm.Lock();
                    _count++;
                    if (take) _vm.Unlock(h);
                    await Task.Yield();
                }
            }
            """);
    }

    [Fact]
    public async Task CorrelatedAcquire_UsingInBranch_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _count;

                void Run(bool take)
                {
                    if (take)
                    {
                        using (_driver.Lock())
                        {
                            _count++;
                        }
                    }

                    Thread.Sleep(1);
                }
            }
            """);
    }
}
