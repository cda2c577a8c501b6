using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules.Bcl;

/// <summary>
/// <c>Monitor.Enter</c>/<c>TryEnter</c>/<c>Exit</c>: a short lock on the object, paired as a runtime
/// lock's Lock/Unlock — leaks (TSL1005), double exits (TSL1006), exits on the normal path only
/// (TSL1009), <c>await</c> (TSL1007) and QMP calls (TSL1004) inside.
/// </summary>
public class MonitorTests
{
    private const string Qmp = """

        sealed class Qmp
        {
            [RequiresUnlocked]
            public Task StopAsync() => Task.CompletedTask;
        }
        """;

    // ---- must report ----------------------------------------------------------------------

    [Fact]
    public async Task MonitorEnterWithoutExit_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;

            class Daemon
            {
                private readonly object _gate = new();

                void Take(bool early)
                {
                    {|#0:Monitor.Enter(_gate)|};
                    if (early)
                    {
                        {|#1:return;|}
                    }

                    Monitor.Exit(_gate);
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1).WithArguments("lock '_gate'", "Take", "still held at a return"));
    }

    [Fact]
    public async Task MonitorExitTwice_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;

            class Daemon
            {
                private readonly object _gate = new();

                void Twice()
                {
                    {|#1:Monitor.Enter(_gate)|};
                    try
                    {
                    }
                    finally
                    {
                        Monitor.Exit(_gate);
                    }

                    {|#0:Monitor.Exit(_gate)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1006").WithLocation(0).WithLocation(1).WithArguments("lock '_gate'"));
    }

    [Fact]
    public async Task AwaitBetweenEnterAndExit_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;

            class Daemon
            {
                private readonly object _gate = new();

                async Task WaitAsync()
                {
                    {|#1:Monitor.Enter(_gate)|};
                    try
                    {
                        {|#0:await Task.Delay(1)|};
                    }
                    finally
                    {
                        Monitor.Exit(_gate);
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1).WithArguments("lock '_gate'"));
    }

    [Fact]
    public async Task QmpCallWhileMonitorHeld_RefLockTaken_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly object _gate = new();
                private readonly Qmp _qmp = new();

                Task Stop()
                {
                    bool taken = false;
                    try
                    {
                        {|#1:Monitor.Enter(_gate, ref taken)|};
                        return {|#0:_qmp.StopAsync()|};
                    }
                    finally
                    {
                        if (taken)
                        {
                            Monitor.Exit(_gate);
                        }
                    }
                }
            }
            """ + Qmp,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1).WithArguments("StopAsync", "lock '_gate'"));
    }

    [Fact]
    public async Task ExitOnNormalPathOnly_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading;

            class Daemon
            {
                private readonly List<int> _items = new();

                void Add(int item)
                {
                    {|#0:Monitor.Enter(_items)|};
                    {|#1:_items.Add(item)|};
                    Monitor.Exit(_items);
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1).WithArguments("lock '_items'", "List.Add"));
    }

    // ---- must stay silent -----------------------------------------------------------------

    [Fact]
    public async Task EnterRefLockTakenWithConditionalExit_NoLeak()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;

            class Daemon
            {
                private readonly object _gate = new();
                private int _count;

                void Bump()
                {
                    bool taken = false;
                    try
                    {
                        Monitor.Enter(_gate, ref taken);
                        _count++;
                    }
                    finally
                    {
                        if (taken)
                        {
                            Monitor.Exit(_gate);
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task TryEnterBranch_ExitOnlyWhenTaken_NoDiagnostic()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;

            class Daemon
            {
                private readonly object _gate = new();
                private int _count;

                bool TryBump()
                {
                    if (!Monitor.TryEnter(_gate))
                    {
                        return false;
                    }

                    try
                    {
                        _count++;
                    }
                    finally
                    {
                        Monitor.Exit(_gate);
                    }

                    return true;
                }

                void BumpIfFree()
                {
                    bool taken = Monitor.TryEnter(_gate, 10);
                    if (taken)
                    {
                        try
                        {
                            _count++;
                        }
                        finally
                        {
                            Monitor.Exit(_gate);
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task QmpCallAfterExit_InLoop_NoDiagnostic()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly object _gate = new();
                private readonly Qmp _qmp = new();
                private int _pending = 3;

                async Task DrainAsync()
                {
                    while (true)
                    {
                        Monitor.Enter(_gate);
                        try
                        {
                            if (_pending == 0)
                            {
                                break;
                            }

                            _pending--;
                        }
                        finally
                        {
                            Monitor.Exit(_gate);
                        }

                        await _qmp.StopAsync();
                    }
                }
            }
            """ + Qmp);
    }

    [Fact]
    public async Task MonitorWaitPulse_NoDiagnostic()
    {
        // Wait and Pulse are neither acquisitions nor releases; an unmarked lock allows blocking.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;

            class Daemon
            {
                private readonly object _gate = new();

                void Signal()
                {
                    lock (_gate)
                    {
                        Monitor.Pulse(_gate);
                        Monitor.Wait(_gate, 10);
                    }
                }
            }
            """);
    }
}
