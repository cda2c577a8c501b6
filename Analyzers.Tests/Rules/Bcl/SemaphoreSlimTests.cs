using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules.Bcl;

/// <summary>
/// A <c>SemaphoreSlim</c> whose field or property carries <c>[LockLevel]</c> is a lock: <c>Wait</c>
/// and <c>WaitAsync</c> acquire, <c>Release</c> releases; slow or short as the attribute says. An
/// unmarked one is not a lock.
/// </summary>
public class SemaphoreSlimTests
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
    public async Task AwaitUnderShortMarkedSemaphore_Reports()
    {
        // The await of WaitAsync itself is how the lock is taken, not a wait under it.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                [LockLevel(LockLevels.Domain + 10)]
                private readonly SemaphoreSlim _table = new(1, 1);

                async Task UpdateAsync()
                {
                    await {|#1:_table.WaitAsync()|};
                    try
                    {
                        {|#0:await Task.Delay(1)|};
                    }
                    finally
                    {
                        _table.Release();
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1).WithArguments("lock '_table'"));
    }

    [Fact]
    public async Task QmpCallUnderShortMarkedSemaphore_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                [LockLevel(LockLevels.Domain + 10)]
                private readonly SemaphoreSlim _table = new(1, 1);
                private readonly Qmp _qmp = new();

                async Task UpdateAsync()
                {
                    await {|#1:_table.WaitAsync()|};
                    try
                    {
                        await {|#0:_qmp.StopAsync()|};
                    }
                    finally
                    {
                        _table.Release();
                    }
                }
            }
            """ + Qmp,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1).WithArguments("StopAsync", "lock '_table'"));
    }

    [Fact]
    public async Task MarkedSemaphoreNotReleasedOnReturn_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                [LockLevel(LockLevels.Qmp, IsSlow = true)]
                private readonly SemaphoreSlim _slow = new(1, 1);

                async Task<bool> HotplugAsync(bool ready)
                {
                    await {|#0:_slow.WaitAsync()|};
                    if (!ready)
                    {
                        {|#1:return false;|}
                    }

                    _slow.Release();
                    return true;
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1).WithArguments("lock '_slow'", "HotplugAsync", "still held at a return"));
    }

    [Fact]
    public async Task MarkedSemaphoreReleasedTwice_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                [LockLevel(LockLevels.Domain + 10)]
                private readonly SemaphoreSlim _table = new(1, 1);

                void Update()
                {
                    {|#1:_table.Wait()|};
                    try
                    {
                    }
                    finally
                    {
                        _table.Release();
                    }

                    {|#0:_table.Release()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1006").WithLocation(0).WithLocation(1).WithArguments("lock '_table'"));
    }

    [Fact]
    public async Task MarkedSemaphoreTakenUnderDomainLock_OutOfOrder_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                [LockLevel(LockLevels.Driver)]
                private readonly SemaphoreSlim _table = new(1, 1);

                void Update()
                {
                    using LockHandle vm = {|#1:_vm.Lock()|};
                    {|#0:_table.Wait()|};
                    _table.Release();
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("lock '_table'", "DomainLock '_vm'", $"lock (level {Toolstack.Runtime.LockLevels.Driver}) must be taken before DomainLock (level {Toolstack.Runtime.LockLevels.Domain})"));
    }

    // ---- must stay silent -----------------------------------------------------------------

    [Fact]
    public async Task QmpCallUnderSlowMarkedSemaphore_NoDiagnostic()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                [LockLevel(LockLevels.Qmp, IsSlow = true)]
                private readonly SemaphoreSlim _slow = new(1, 1);
                private readonly Qmp _qmp = new();

                async Task HotplugAsync()
                {
                    await _slow.WaitAsync();
                    try
                    {
                        await _qmp.StopAsync();
                    }
                    finally
                    {
                        _slow.Release();
                    }
                }
            }
            """ + Qmp);
    }

    [Fact]
    public async Task UnmarkedSemaphore_NotALock_NoDiagnostic()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly SemaphoreSlim _throttle = new(4, 4);
                private readonly Qmp _qmp = new();

                async Task StopAsync()
                {
                    await _throttle.WaitAsync();
                    await _qmp.StopAsync();
                }
            }
            """ + Qmp);
    }

    [Fact]
    public async Task WaitWithTimeoutReleasedOnlyWhenTaken_NoDiagnostic()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                [LockLevel(LockLevels.Domain + 10)]
                private readonly SemaphoreSlim _table = new(1, 1);
                private int _count;

                async Task<bool> TryUpdateAsync()
                {
                    if (!await _table.WaitAsync(100))
                    {
                        return false;
                    }

                    try
                    {
                        _count++;
                    }
                    finally
                    {
                        _table.Release();
                    }

                    return true;
                }

                void UpdateIfFree()
                {
                    if (_table.Wait(0))
                    {
                        _count++;
                        _table.Release();
                    }
                }
            }
            """);
    }
}
