using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules.Bcl;

/// <summary>
/// The C# <c>lock</c> statement is a short lock: TSL1004 for a <c>[RequiresUnlocked]</c> call inside
/// it, TSL1002 for blocking when its field says <c>ForbidsBlocking</c>, TSL1001 against the hierarchy
/// when its field carries <c>[LockLevel]</c>. It is always balanced: never TSL1005/1006/1009.
/// </summary>
public class LockStatementTests
{
    private const string Qmp = """

        sealed class Qmp
        {
            [RequiresUnlocked]
            public Task StopAsync() => Task.CompletedTask;

            [RequiresUnlocked]
            public void Stop() { }
        }
        """;

    // ---- must report ----------------------------------------------------------------------

    [Fact]
    public async Task QmpCallInsideLockStatement_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly Dictionary<string, int> _cache = new();
                private readonly Qmp _qmp = new();

                void Refresh()
                {
                    lock ({|#1:_cache|})
                    {
                        _cache.Clear();
                        {|#0:_qmp.Stop()|};
                    }
                }
            }
            """ + Qmp,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1).WithArguments("Stop", "lock '_cache'"));
    }

    [Fact]
    public async Task QmpTaskStartedInsideLockStatement_InLoop_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly object _gate = new();
                private readonly Qmp _qmp = new();

                Task StopAll(int count)
                {
                    Task last = Task.CompletedTask;
                    for (int i = 0; i < count; i++)
                    {
                        lock ({|#1:_gate|})
                        {
                            last = {|#0:_qmp.StopAsync()|};
                        }
                    }

                    return last;
                }
            }
            """ + Qmp,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1).WithArguments("StopAsync", "lock '_gate'"));
    }

    [Fact]
    public async Task SleepInsideLockStatement_FieldForbidsBlocking_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                [LockLevel(150, ForbidsBlocking = true)]
                private readonly object _registry = new();

                void Poll()
                {
                    lock ({|#1:_registry|})
                    {
                        {|#0:Thread.Sleep(10)|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1).WithArguments("Thread.Sleep", "lock '_registry'"));
    }

    [Fact]
    public async Task DriverLockInsideLeveledLockStatement_OutOfOrder_Reports()
    {
        // _registry sits inside the driver lock (level 200 > LockLevels.Driver): taking the driver lock under it is out of order.
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                [LockLevel(LockLevels.Json + 1)]
                private readonly object _registry = new();

                void Register()
                {
                    lock ({|#1:_registry|})
                    {
                        using LockHandle driver = {|#0:_driver.Lock()|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "lock '_registry'", $"DriverLock (level {Toolstack.Runtime.LockLevels.Driver}) must be taken before lock (level {Toolstack.Runtime.LockLevels.Json + 1})"));
    }

    [Fact]
    public async Task LeveledLockStatementUnderInnerLock_OutOfOrder_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                [LockLevel(LockLevels.Driver)]
                private readonly object _registry = new();

                void Register()
                {
                    using LockHandle vm = {|#1:_vm.Lock()|};
                    lock ({|#0:_registry|})
                    {
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("lock '_registry'", "DomainLock '_vm'", $"lock (level {Toolstack.Runtime.LockLevels.Driver}) must be taken before DomainLock (level {Toolstack.Runtime.LockLevels.Domain})"));
    }

    // ---- must stay silent -----------------------------------------------------------------

    [Fact]
    public async Task QmpCallAfterLockStatement_NoDiagnostic()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly Dictionary<string, int> _cache = new();
                private readonly Qmp _qmp = new();

                async Task RefreshAsync()
                {
                    lock (_cache)
                    {
                        if (_cache.Count == 0)
                        {
                            return;
                        }

                        _cache.Clear();
                    }

                    await _qmp.StopAsync();
                }
            }
            """ + Qmp);
    }

    [Fact]
    public async Task SleepInsideUnmarkedLockStatement_NoDiagnostic()
    {
        // No ForbidsBlocking declared: a lock statement alone forbids QMP calls and await, not blocking.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;

            class Daemon
            {
                private readonly object _gate = new();

                void Poll()
                {
                    lock (_gate)
                    {
                        Thread.Sleep(10);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task UnmarkedLockStatementAroundDriverLock_NoOrderDiagnostic()
    {
        // No level known: TSL1001 does not apply either way.
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly object _gate = new();

                void Both()
                {
                    lock (_gate)
                    {
                        using LockHandle driver = _driver.Lock();
                        lock (_gate)
                        {
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task LockStatementWithThrowBreakAndReturn_NoLeak()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Collections.Generic;

            class Daemon
            {
                private readonly List<int> _items = new();

                int Find(int wanted)
                {
                    foreach (int round in new[] { 1, 2 })
                    {
                        lock (_items)
                        {
                            if (_items.Count == 0)
                            {
                                break;
                            }

                            if (_items.Contains(wanted))
                            {
                                return wanted;
                            }

                            if (round > 5)
                            {
                                throw new InvalidOperationException();
                            }
                        }
                    }

                    return -1;
                }
            }
            """);
    }

    [Fact]
    public async Task QmpCallInLambdaAndLocalFunctionInsideLockStatement_NoDiagnostic()
    {
        // The lambda and the local function run later, outside the lock statement's scope.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly object _gate = new();
                private readonly Qmp _qmp = new();

                (Func<Task>, Func<Task>) Later()
                {
                    lock (_gate)
                    {
                        Func<Task> stop = () => _qmp.StopAsync();
                        return (stop, StopLater);
                    }

                    Task StopLater() => _qmp.StopAsync();
                }
            }
            """ + Qmp);
    }

    [Fact]
    public async Task QmpCallInsideLockStatementInsideLambda_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly object _gate = new();
                private readonly Qmp _qmp = new();

                Action Later() => () =>
                {
                    lock ({|#1:_gate|})
                    {
                        {|#0:_qmp.Stop()|};
                    }
                };
            }
            """ + Qmp,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1).WithArguments("Stop", "lock '_gate'"));
    }
}
