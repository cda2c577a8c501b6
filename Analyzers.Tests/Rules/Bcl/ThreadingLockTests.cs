using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules.Bcl;

/// <summary>
/// <c>System.Threading.Lock</c>: <c>Enter</c>/<c>TryEnter</c>/<c>Exit</c> pair as a runtime lock's
/// Lock/Unlock; <c>EnterScope</c> returns a scope whose <c>Dispose</c> (a <c>using</c>) releases it.
/// A short lock; <c>[LockLevel]</c> on its field places it in the hierarchy.
/// </summary>
public class ThreadingLockTests
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
    public async Task QmpCallInsideEnterScope_Using_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly Lock _cache = new();
                private readonly Qmp _qmp = new();

                Task Refresh()
                {
                    using ({|#1:_cache.EnterScope()|})
                    {
                        return {|#0:_qmp.StopAsync()|};
                    }
                }
            }
            """ + Qmp,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1).WithArguments("StopAsync", "lock '_cache'"));
    }

    [Fact]
    public async Task EnterScopeNeverDisposed_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;

            class Daemon
            {
                private readonly Lock _gate = new();

                void Forget()
                {
                    Lock.Scope {|#1:scope = {|#0:_gate.EnterScope()|}|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1).WithArguments("lock '_gate'", "Forget", "still held on leaving"));
    }

    [Fact]
    public async Task LockExitTwice_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;

            class Daemon
            {
                private readonly Lock _gate = new();

                void Twice()
                {
                    {|#1:_gate.Enter()|};
                    try
                    {
                    }
                    finally
                    {
                        _gate.Exit();
                    }

                    {|#0:_gate.Exit()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1006").WithLocation(0).WithLocation(1).WithArguments("lock '_gate'"));
    }

    [Fact]
    public async Task SleepUnderForbidsBlockingLockProperty_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                [LockLevel(LockLevels.Driver + 10, ForbidsBlocking = true)]
                private Lock Registry { get; } = new();

                void Poll()
                {
                    using ({|#1:Registry.EnterScope()|})
                    {
                        {|#0:Thread.Sleep(5)|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1).WithArguments("Thread.Sleep", "lock 'Registry'"));
    }

    [Fact]
    public async Task AwaitUnderLockEnter_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;

            class Daemon
            {
                private readonly Lock _gate = new();

                async Task PauseAsync()
                {
                    {|#1:_gate.Enter()|};
                    try
                    {
                        {|#0:await Task.Yield()|};
                    }
                    finally
                    {
                        _gate.Exit();
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1).WithArguments("lock '_gate'"));
    }

    // ---- must stay silent -----------------------------------------------------------------

    [Fact]
    public async Task EnterScopeUsingDeclaration_EarlyReturn_NoDiagnostic()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;

            class Daemon
            {
                private readonly Lock _gate = new();
                private int _count;

                int Bump(bool skip)
                {
                    using Lock.Scope scope = _gate.EnterScope();
                    if (skip)
                    {
                        return _count;
                    }

                    return ++_count;
                }
            }
            """);
    }

    [Fact]
    public async Task TryEnterWithExitInBranch_NoDiagnostic()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;

            class Daemon
            {
                private readonly Lock _gate = new();
                private int _count;

                void BumpIfFree()
                {
                    if (_gate.TryEnter())
                    {
                        try
                        {
                            _count++;
                        }
                        finally
                        {
                            _gate.Exit();
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task QmpCallAfterScope_NoDiagnostic()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly Lock _gate = new();
                private readonly Qmp _qmp = new();
                private int _count;

                Task BumpThenStop()
                {
                    using (_gate.EnterScope())
                    {
                        _count++;
                    }

                    return _qmp.StopAsync();
                }
            }
            """ + Qmp);
    }
}
