using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// Try-lock ([TryAcquiresLock], the runtime's TryLock): the lock is held on the side of the branch
/// where the result was true and not taken on the other — directly, negated, through a bool local,
/// in &amp;&amp;/|| conditions and retry loops; a user's wrapper declared [TryAcquiresLock] alike.
/// </summary>
public class TryLockTests
{
    // ---- must report ----------------------------------------------------------------------

    [Fact]
    public async Task SleepUnderDriverLock_InTryLockTrueBranch_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run()
                {
                    if ({|#1:_driver.TryLock(out LockHandle h)|})
                    {
                        try
                        {
                            {|#0:Thread.Sleep(1)|};
                        }
                        finally
                        {
                            _driver.Unlock(h);
                        }
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task TryLockTrueBranch_WithoutRelease_ReportsLeak()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _count;

                void Run()
                {
                    if ({|#0:_driver.TryLock(out LockHandle h)|})
                    {
                        {|#1:_count++;|}
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "Run", "still held on leaving"));
    }

    [Fact]
    public async Task SleepAfterNegatedTryLockReturn_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run()
                {
                    if (!{|#1:_driver.TryLock(out var h)|}) return;
                    using (h)
                    {
                        {|#0:Thread.Sleep(1)|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task ResultInLocal_SleepBeforeBranch_ReportsWhenTrue()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run()
                {
                    bool ok = {|#1:_driver.TryLock(out var h)|};
                    {|#0:Thread.Sleep(1)|};
                    if (ok) _driver.Unlock(h);
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver' (when 'ok' is true)"));
    }

    [Fact]
    public async Task AwaitInTryLockTrueBranch_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                async Task RunAsync()
                {
                    if ({|#1:_vm.TryLock(out var h)|})
                    {
                        try
                        {
                            {|#0:await Task.Yield()|};
                        }
                        finally
                        {
                            _vm.Unlock(h);
                        }
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    [Fact]
    public async Task UserWrapperDeclaredTryAcquires_SleepWhenTrue_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Gate
            {
                private readonly DriverLock _driver = new();
                private LockHandle? _handle;

                [TryAcquiresLock(typeof(DriverLock), Lock = nameof(_driver))]
                public bool TryEnter()
                {
                    if (!_driver.TryLock(out var h)) return false;
                    _handle = h;
                    return true;
                }

                [ReleasesLock(typeof(DriverLock), Lock = nameof(_driver))]
                public void Exit() => _handle?.Dispose();
            }

            class Daemon
            {
                private readonly Gate _gate = new();

                void Run()
                {
                    if ({|#1:_gate.TryEnter()|})
                    {
                        try
                        {
                            {|#0:Thread.Sleep(1)|};
                        }
                        finally
                        {
                            _gate.Exit();
                        }
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_gate._driver'"));
    }

    // ---- must stay silent -----------------------------------------------------------------

    [Fact]
    public async Task TryLockThenTryFinally_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _count;

                void Run()
                {
                    if (_driver.TryLock(out LockHandle h))
                    {
                        try
                        {
                            _count++;
                        }
                        finally
                        {
                            _driver.Unlock(h);
                        }
                    }
                    else
                    {
                        Thread.Sleep(1);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task NegatedTryLockReturn_ThenUsing_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _count;

                void Run()
                {
                    if (!_driver.TryLock(out var h)) return;
                    using (h)
                    {
                        _count++;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task ResultInLocal_ReleasedWhenTrue_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _count;

                void Run()
                {
                    bool ok = _driver.TryLock(out var h);
                    if (ok)
                    {
                        _count++;
                        _driver.Unlock(h);
                    }
                    else
                    {
                        Thread.Sleep(1);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task AndOrConditions_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");
                private int _count;

                void And(bool ready)
                {
                    if (ready && _driver.TryLock(out var h))
                    {
                        _count++;
                        _driver.Unlock(h);
                    }
                    else
                    {
                        Thread.Sleep(1);
                    }
                }

                void Or(bool busy)
                {
                    if (busy || !_vm.TryLock(out var h))
                    {
                        return;
                    }

                    _count++;
                    _vm.Unlock(h);
                }
            }
            """);
    }

    [Fact]
    public async Task RetryLoopSleepsOnlyWhileNotHeld_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _count;

                void Run()
                {
                    LockHandle h;
                    while (!_driver.TryLock(out h))
                    {
                        Thread.Sleep(1);
                    }

                    _count++;
                    _driver.Unlock(h);
                }
            }
            """);
    }

    [Fact]
    public async Task TryLockInLambdaAndLocalFunction_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _count;

                void Run()
                {
                    Action lambda = () =>
                    {
                        if (_driver.TryLock(out var h))
                        {
                            _count++;
                            _driver.Unlock(h);
                        }
                    };
                    lambda();
                    Local();

                    void Local()
                    {
                        if (!_driver.TryLock(out var h)) return;
                        _count++;
                        _driver.Unlock(h);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task TryLockReleasedBeforeAwait_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");
                private int _count;

                async Task RunAsync()
                {
                    if (_vm.TryLock(out var h))
                    {
                        _count++;
                        _vm.Unlock(h);
                    }

                    await Task.Yield();
                }
            }
            """);
    }

    [Fact]
    public async Task WrapperDeclaredTryAcquires_KeepsTheLock_NoLeakInside_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Gate
            {
                private readonly DriverLock _driver = new();
                private LockHandle? _handle;

                [TryAcquiresLock(typeof(DriverLock), Lock = nameof(_driver))]
                public bool TryEnter()
                {
                    if (!_driver.TryLock(out var h)) return false;
                    _handle = h;
                    return true;
                }
            }
            """);
    }
}
