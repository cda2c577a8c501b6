using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Toolstack.CodeFixes;
using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Toolstack.Analyzers.LockAnalyzer, Toolstack.CodeFixes.Tsl1004ReleaseAroundCallFix>;

namespace Toolstack.Analyzers.Tests.CodeFixes;

/// <summary>
/// TSL1004's fix, two actions: release the forbidden lock around the <c>[RequiresUnlocked]</c>
/// call (an assignable handle: Unlock/Lock; a <c>using</c> scope: split), and, for a domain's
/// <c>StateLock</c> inside a job, enter the monitor instead. The <c>await</c> of the call stays.
/// </summary>
public class Tsl1004ReleaseAroundCallFixTests
{
    private static DiagnosticResult Tsl1004(int location, int held) =>
        new DiagnosticResult("TSL1004", DiagnosticSeverity.Warning).WithLocation(location).WithLocation(held);

    private static VerifyCS.Test Monitor(string source, string fixedSource, params DiagnosticResult[] expected)
    {
        var test = new VerifyCS.Test
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = Tsl1004ReleaseAroundCallFix.MonitorEquivalenceKey,
            CodeActionIndex = 1,
        };
        test.ExpectedDiagnostics.AddRange(expected);
        return test;
    }

    // ---- release and re-take --------------------------------------------------------------

    [Fact]
    public async Task HandleLocal_TryFinally_AwaitKeptBetweenUnlockAndRelock()
    {
        await VerifyCS.VerifyCodeFixAsync("""
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
                private bool _paused;

                async Task PauseAsync()
                {
                    LockHandle vm = {|#1:_vm1.Lock()|};
                    try
                    {
                        await {|#0:_qmp.StopAsync()|};
                        _paused = true;
                    }
                    finally
                    {
                        _vm1.Unlock(vm);
                    }
                }
            }
            """,
            Tsl1004(0, 1),
            """
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
                private bool _paused;

                async Task PauseAsync()
                {
                    LockHandle vm = _vm1.Lock();
                    try
                    {
                        _vm1.Unlock(vm);
                        try
                        {
                            await _qmp.StopAsync();
                        }
                        finally
                        {
                            vm = _vm1.Lock();
                        }
                        _paused = true;
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
    public async Task JsonLockUnderTheSlowLock_ReleasedAroundTheQmpCall()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            public sealed class Qemu
            {
                [RequiresUnlocked]
                public Task ChangeMediumAsync(string path, CancellationToken ct) => Task.CompletedTask;
            }

            public sealed class CdromInsert
            {
                private readonly QmpLock _qmp;
                private readonly JsonLock _json;
                private readonly Qemu _qemu = new();

                public CdromInsert(DomainUserdata domain)
                {
                    _qmp = new QmpLock(domain);
                    _json = new JsonLock(domain);
                }

                public async Task InsertAsync(string path, CancellationToken ct)
                {
                    await using LockHandle slow = await _qmp.LockAsync(ct);
                    LockHandle config = {|#1:_json.Lock()|};
                    try
                    {
                        // add the CD-ROM to the JSON config
                        await {|#0:_qemu.ChangeMediumAsync(path, ct)|};
                    }
                    finally
                    {
                        _json.Unlock(config);
                    }
                }
            }
            """,
            Tsl1004(0, 1),
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            public sealed class Qemu
            {
                [RequiresUnlocked]
                public Task ChangeMediumAsync(string path, CancellationToken ct) => Task.CompletedTask;
            }

            public sealed class CdromInsert
            {
                private readonly QmpLock _qmp;
                private readonly JsonLock _json;
                private readonly Qemu _qemu = new();

                public CdromInsert(DomainUserdata domain)
                {
                    _qmp = new QmpLock(domain);
                    _json = new JsonLock(domain);
                }

                public async Task InsertAsync(string path, CancellationToken ct)
                {
                    await using LockHandle slow = await _qmp.LockAsync(ct);
                    LockHandle config = _json.Lock();
                    try
                    {
                        // add the CD-ROM to the JSON config
                        _json.Unlock(config);
                        try
                        {
                            await _qemu.ChangeMediumAsync(path, ct);
                        }
                        finally
                        {
                            config = _json.Lock();
                        }
                    }
                    finally
                    {
                        _json.Unlock(config);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task UsingStatement_RealQmpClient_CallMovedOutFirst()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                async Task PauseAsync(Domain domain, QmpClient qmp, CancellationToken ct)
                {
                    using (LockHandle vm = {|#1:domain.StateLock.Lock()|})
                    {
                        await {|#0:qmp.StopAsync(ct)|};
                        domain.State = DomainRunState.Paused;
                    }
                }
            }
            """,
            Tsl1004(0, 1),
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                async Task PauseAsync(Domain domain, QmpClient qmp, CancellationToken ct)
                {
                    await qmp.StopAsync(ct);
                    using (LockHandle vm = domain.StateLock.Lock())
                    {
                        domain.State = DomainRunState.Paused;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task UsingDeclaration_AwaitedReplyDeclared_SplitAndReplyStillInScope()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private string _status = "";

                async Task RefreshAsync(Domain domain, QmpClient qmp, CancellationToken ct)
                {
                    using LockHandle vm = {|#1:domain.StateLock.Lock()|};
                    _status = "asking";
                    JsonElement reply = await {|#0:qmp.ExecuteAsync("query-status", null, ct)|};
                    _status = reply.ToString();
                }
            }
            """,
            Tsl1004(0, 1),
            """
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private string _status = "";

                async Task RefreshAsync(Domain domain, QmpClient qmp, CancellationToken ct)
                {
                    using (LockHandle vm = domain.StateLock.Lock())
                    {
                        _status = "asking";
                    }

                    JsonElement reply = await qmp.ExecuteAsync("query-status", null, ct);
                    using LockHandle vm2 = domain.StateLock.Lock();
                    _status = reply.ToString();
                }
            }
            """);
    }

    // ---- enter the monitor ----------------------------------------------------------------

    private const string PauseInAJob = """
        using System.Threading;
        using System.Threading.Tasks;
        using Toolstack.Runtime;

        class Daemon
        {
            async Task PauseAsync(Domain domain, QmpClient qmp, CancellationToken ct)
            {
                await using DomainJob job = await domain.BeginJobAsync(DomainJobKind.Modify, null, ct);
                using (domain.StateLock.Lock())
                {
                    if (domain.State != DomainRunState.Running)
                    {
                        return;
                    }

                    await {|#0:qmp.StopAsync(ct)|};
                    domain.State = DomainRunState.Paused;
                }
            }
        }
        """;

    [Fact]
    public async Task DomainLockInAJob_EnterTheMonitorInstead()
    {
        await Monitor(PauseInAJob, """
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                async Task PauseAsync(Domain domain, QmpClient qmp, CancellationToken ct)
                {
                    await using DomainJob job = await domain.BeginJobAsync(DomainJobKind.Modify, null, ct);
                    using (domain.StateLock.Lock())
                    {
                        if (domain.State != DomainRunState.Running)
                        {
                            return;
                        }

                        domain.EnterMonitor(job);
                        await qmp.StopAsync(ct);
                        domain.ExitMonitor(job);
                        domain.State = DomainRunState.Paused;
                    }
                }
            }
            """,
            new DiagnosticResult("TSL1004", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(10, 16)).RunAsync();
    }

    [Fact]
    public async Task DomainLockInAJob_ReleaseIsStillTheFirstAction()
    {
        var test = new VerifyCS.Test
        {
            TestCode = PauseInAJob,
            FixedCode = """
                using System.Threading;
                using System.Threading.Tasks;
                using Toolstack.Runtime;

                class Daemon
                {
                    async Task PauseAsync(Domain domain, QmpClient qmp, CancellationToken ct)
                    {
                        await using DomainJob job = await domain.BeginJobAsync(DomainJobKind.Modify, null, ct);
                        using (domain.StateLock.Lock())
                        {
                            if (domain.State != DomainRunState.Running)
                            {
                                return;
                            }
                        }

                        await qmp.StopAsync(ct);
                        using (domain.StateLock.Lock())
                        {
                            domain.State = DomainRunState.Paused;
                        }
                    }
                }
                """,
            CodeActionEquivalenceKey = Tsl1004ReleaseAroundCallFix.ReleaseEquivalenceKey,
            CodeActionIndex = 0,
        };
        test.ExpectedDiagnostics.Add(new DiagnosticResult("TSL1004", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(10, 16));
        await test.RunAsync();
    }

    [Fact]
    public async Task JobParameter_ExplicitHandle_EnterTheMonitorInstead()
    {
        await Monitor("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                async Task ContinueAsync(Domain domain, DomainJob current, QmpClient qmp, CancellationToken ct)
                {
                    LockHandle vm = {|#1:domain.StateLock.Lock()|};
                    try
                    {
                        await {|#0:qmp.ContAsync(ct)|};
                    }
                    finally
                    {
                        domain.StateLock.Unlock(vm);
                    }
                }
            }
            """, """
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                async Task ContinueAsync(Domain domain, DomainJob current, QmpClient qmp, CancellationToken ct)
                {
                    LockHandle vm = domain.StateLock.Lock();
                    try
                    {
                        domain.EnterMonitor(current);
                        await qmp.ContAsync(ct);
                        domain.ExitMonitor(current);
                    }
                    finally
                    {
                        domain.StateLock.Unlock(vm);
                    }
                }
            }
            """,
            Tsl1004(0, 1)).RunAsync();
    }

    // ---- Fix All --------------------------------------------------------------------------

    [Fact]
    public async Task FixAll_Release_SeveralInOneDocument()
    {
        var test = new VerifyCS.Test
        {
            TestCode = """
                using System.Threading;
                using System.Threading.Tasks;
                using Toolstack.Runtime;

                class Daemon
                {
                    async Task CycleAsync(Domain domain, QmpClient qmp, CancellationToken ct)
                    {
                        LockHandle vm = {|#1:domain.StateLock.Lock()|};
                        try
                        {
                            await {|#0:qmp.StopAsync(ct)|};
                            domain.State = DomainRunState.Paused;
                            await {|#2:qmp.ContAsync(ct)|};
                            domain.State = DomainRunState.Running;
                        }
                        finally
                        {
                            domain.StateLock.Unlock(vm);
                        }
                    }
                }
                """,
            FixedCode = """
                using System.Threading;
                using System.Threading.Tasks;
                using Toolstack.Runtime;

                class Daemon
                {
                    async Task CycleAsync(Domain domain, QmpClient qmp, CancellationToken ct)
                    {
                        LockHandle vm = domain.StateLock.Lock();
                        try
                        {
                            domain.StateLock.Unlock(vm);
                            try
                            {
                                await qmp.StopAsync(ct);
                            }
                            finally
                            {
                                vm = domain.StateLock.Lock();
                            }
                            domain.State = DomainRunState.Paused;
                            domain.StateLock.Unlock(vm);
                            try
                            {
                                await qmp.ContAsync(ct);
                            }
                            finally
                            {
                                vm = domain.StateLock.Lock();
                            }
                            domain.State = DomainRunState.Running;
                        }
                        finally
                        {
                            domain.StateLock.Unlock(vm);
                        }
                    }
                }
                """,
        };
        test.ExpectedDiagnostics.Add(Tsl1004(0, 1));
        test.ExpectedDiagnostics.Add(Tsl1004(2, 1));

        // The fixed code is clean under the whole analyzer: the handle re-taken in the first finally
        // is released by the outer finally if the State setter throws, and the engine sees that.
        await test.RunAsync();
    }

    [Fact]
    public async Task FixAll_Monitor_SeveralInOneDocument()
    {
        await Monitor("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                async Task CycleAsync(Domain domain, QmpClient qmp, CancellationToken ct)
                {
                    await using DomainJob job = await domain.BeginJobAsync(DomainJobKind.Modify, null, ct);
                    using (domain.StateLock.Lock())
                    {
                        await {|#0:qmp.StopAsync(ct)|};
                        domain.State = DomainRunState.Paused;
                        await {|#1:qmp.ContAsync(ct)|};
                        domain.State = DomainRunState.Running;
                    }
                }
            }
            """, """
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                async Task CycleAsync(Domain domain, QmpClient qmp, CancellationToken ct)
                {
                    await using DomainJob job = await domain.BeginJobAsync(DomainJobKind.Modify, null, ct);
                    using (domain.StateLock.Lock())
                    {
                        domain.EnterMonitor(job);
                        await qmp.StopAsync(ct);
                        domain.ExitMonitor(job);
                        domain.State = DomainRunState.Paused;
                        domain.EnterMonitor(job);
                        await qmp.ContAsync(ct);
                        domain.ExitMonitor(job);
                        domain.State = DomainRunState.Running;
                    }
                }
            }
            """,
            new DiagnosticResult("TSL1004", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(10, 16),
            new DiagnosticResult("TSL1004", DiagnosticSeverity.Warning).WithLocation(1).WithLocation(10, 16)).RunAsync();
    }

    [Fact]
    public async Task FixAll_AcrossTwoDocuments()
    {
        var test = new VerifyCS.Test { CodeActionEquivalenceKey = Tsl1004ReleaseAroundCallFix.ReleaseEquivalenceKey };
        test.TestState.Sources.Add(("A.cs", """
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class A
            {
                async Task StopAsync(Domain domain, QmpClient qmp, CancellationToken ct)
                {
                    using var vm = {|#1:domain.StateLock.Lock()|};
                    await {|#0:qmp.StopAsync(ct)|};
                }
            }
            """));
        test.TestState.Sources.Add(("B.cs", """
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class B
            {
                async Task QuitAsync(Driver driver, QmpClient qmp, CancellationToken ct)
                {
                    LockHandle d = {|#3:driver.DriverLock.Lock()|};
                    try
                    {
                        await {|#2:qmp.QuitAsync(ct)|};
                    }
                    finally
                    {
                        driver.DriverLock.Unlock(d);
                    }
                }
            }
            """));
        test.FixedState.Sources.Add(("A.cs", """
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class A
            {
                async Task StopAsync(Domain domain, QmpClient qmp, CancellationToken ct)
                {
                    await qmp.StopAsync(ct);
                }
            }
            """));
        test.FixedState.Sources.Add(("B.cs", """
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class B
            {
                async Task QuitAsync(Driver driver, QmpClient qmp, CancellationToken ct)
                {
                    LockHandle d = driver.DriverLock.Lock();
                    try
                    {
                        driver.DriverLock.Unlock(d);
                        try
                        {
                            await qmp.QuitAsync(ct);
                        }
                        finally
                        {
                            d = driver.DriverLock.Lock();
                        }
                    }
                    finally
                    {
                        driver.DriverLock.Unlock(d);
                    }
                }
            }
            """));
        test.ExpectedDiagnostics.Add(Tsl1004(0, 1));
        test.ExpectedDiagnostics.Add(Tsl1004(2, 3));
        await test.RunAsync();
    }

    // ---- no fix ---------------------------------------------------------------------------

    [Fact]
    public async Task CallInACondition_NoFix()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                async Task CheckAsync(Domain domain, QmpClient qmp, CancellationToken ct)
                {
                    using (domain.StateLock.Lock())
                    {
                        if ((await {|#0:qmp.QueryStatusAsync(ct)|}).ToString() == "paused")
                        {
                            domain.State = DomainRunState.Paused;
                        }
                    }
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source,
            new DiagnosticResult("TSL1004", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(9, 16), source);
    }

    [Fact]
    public async Task LockHeldByTheCaller_NoFix()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                [RequiresLock(typeof(DomainLock), Lock = nameof(_vm))]
                async Task {|#1:StopAsync|}(QmpClient qmp, CancellationToken ct)
                {
                    await {|#0:qmp.StopAsync(ct)|};
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, Tsl1004(0, 1), source);
    }

    [Fact]
    public async Task UsingStatement_VariableOfTheFirstPartUsedByTheCall_NoFix()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                async Task EjectAsync(Domain domain, QmpClient qmp, CancellationToken ct)
                {
                    using (domain.StateLock.Lock())
                    {
                        string device = domain.Name + "-cd0";
                        await {|#0:qmp.EjectAsync(device, ct: ct)|};
                    }
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source,
            new DiagnosticResult("TSL1004", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(9, 16), source);
    }

    [Fact]
    public async Task NoJobInScope_OnlyTheReleaseIsOffered()
    {
        // Without a DomainJob there is no monitor to enter: the monitor action is not offered.
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                async Task PauseAsync(Domain domain, QmpClient qmp, CancellationToken ct)
                {
                    using (domain.StateLock.Lock())
                    {
                        await {|#0:qmp.StopAsync(ct)|};
                    }
                }
            }
            """;
        var test = new VerifyCS.Test
        {
            TestCode = source,
            FixedCode = source,
            CodeActionEquivalenceKey = Tsl1004ReleaseAroundCallFix.MonitorEquivalenceKey,
        };
        test.ExpectedDiagnostics.Add(new DiagnosticResult("TSL1004", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(9, 16));
        await test.RunAsync();
    }

    [Fact]
    public async Task PlainDomainLockWithAJob_NoMonitorAction()
    {
        // The monitor hands off a Domain's StateLock only; another DomainLock is not its business.
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                async Task PauseAsync(DomainJob job, QmpClient qmp, CancellationToken ct)
                {
                    using (_vm.Lock())
                    {
                        await {|#0:qmp.StopAsync(ct)|};
                    }
                }
            }
            """;
        var test = new VerifyCS.Test
        {
            TestCode = source,
            FixedCode = source,
            CodeActionEquivalenceKey = Tsl1004ReleaseAroundCallFix.MonitorEquivalenceKey,
        };
        test.ExpectedDiagnostics.Add(new DiagnosticResult("TSL1004", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(11, 16));
        await test.RunAsync();
    }
}
