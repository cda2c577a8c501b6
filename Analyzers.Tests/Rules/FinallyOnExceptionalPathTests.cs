using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// A finally runs for an exception from anywhere in its try, with the handle holding whatever it
/// holds at the throw — not only with the state of the normal exit. A release there counts for
/// every acquisition the handle may hold when an exception leaves the try (TSL1009), and it is
/// not a second release of one already given back on the normal path (TSL1006).
/// </summary>
public class FinallyOnExceptionalPathTests
{
    // What the TSL1004 Fix All produces: the handle is re-taken twice inside one try.
    [Fact]
    public async Task RetakenTwiceInTry_FinallyReleases_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");
                private readonly Qmp _qmp = new();

                async Task PauseAsync()
                {
                    LockHandle vm = _vm.Lock();
                    try
                    {
                        _vm.Unlock(vm);
                        await _qmp.StopAsync();
                        vm = _vm.Lock();
                        MarkPaused();
                        _vm.Unlock(vm);
                        await _qmp.ContAsync();
                        vm = _vm.Lock();
                    }
                    finally
                    {
                        _vm.Unlock(vm);
                    }
                }

                void MarkPaused() { }
            }

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync(CancellationToken ct = default) => Task.CompletedTask;

                [RequiresUnlocked]
                public Task ContAsync(CancellationToken ct = default) => Task.CompletedTask;
            }
            """);
    }

    [Fact]
    public async Task RetakenTwiceInTry_FinallyWithoutRelease_ReportsAtFirstRetake()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");
                private readonly Qmp _qmp = new();

                async Task PauseAsync()
                {
                    LockHandle vm = _vm.Lock();
                    try
                    {
                        _vm.Unlock(vm);
                        await _qmp.StopAsync();
                        vm = {|#0:_vm.Lock()|};
                        {|#1:MarkPaused()|};
                        _vm.Unlock(vm);
                        await _qmp.ContAsync();
                        vm = _vm.Lock();
                        _vm.Unlock(vm);
                    }
                    finally
                    {
                        Console.WriteLine("paused");
                    }
                }

                void MarkPaused() { }
            }

            sealed class Qmp
            {
                [RequiresUnlocked]
                public Task StopAsync(CancellationToken ct = default) => Task.CompletedTask;

                [RequiresUnlocked]
                public Task ContAsync(CancellationToken ct = default) => Task.CompletedTask;
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "MarkPaused"));
    }

    // On the throw the handle still holds the domain lock, which the finally's json.Unlock cannot release.
    [Fact]
    public async Task HandleReassignedToAnotherLock_FinallyReleasesTheOther_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Save(JsonLock json)
                {
                    LockHandle h = {|#0:_vm.Lock()|};
                    try
                    {
                        {|#1:Write()|};
                        _vm.Unlock(h);
                        h = json.Lock();
                    }
                    finally
                    {
                        json.Unlock(h);
                    }
                }

                void Write() { }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Write"));
    }

    // An exception from the inner try passes through the inner finally before the outer one releases.
    [Fact]
    public async Task NestedTryFinally_OuterFinallyReleasesRetake_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Save()
                {
                    LockHandle vm = _vm.Lock();
                    try
                    {
                        try
                        {
                            _vm.Unlock(vm);
                            Write();
                            vm = _vm.Lock();
                            Write();
                            _vm.Unlock(vm);
                            Write();
                            vm = _vm.Lock();
                        }
                        finally
                        {
                            Console.WriteLine("written");
                        }
                    }
                    finally
                    {
                        _vm.Unlock(vm);
                    }
                }

                void Write() { }
            }
            """);
    }

    [Fact]
    public async Task FinallyInLoop_ReleasesRetake_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Save(int pages)
                {
                    for (int i = 0; i < pages; i++)
                    {
                        LockHandle vm = _vm.Lock();
                        try
                        {
                            _vm.Unlock(vm);
                            Write();
                            vm = _vm.Lock();
                            Write();
                            _vm.Unlock(vm);
                            Write();
                            vm = _vm.Lock();
                        }
                        finally
                        {
                            _vm.Unlock(vm);
                        }
                    }
                }

                void Write() { }
            }
            """);
    }

    // Disposing is idempotent: the using's dispose after the explicit release is no second release.
    [Fact]
    public async Task UsingDeclaredHandle_ReleasedEarly_ThenCall_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Save()
                {
                    using LockHandle vm = _vm.Lock();
                    Write();
                    _vm.Unlock(vm);
                    Write();
                }

                void Write() { }
            }
            """);
    }

    // The call in the finally throws with re-take #1 held on the exceptional path, before the release.
    [Fact]
    public async Task ThrowInsideFinallyBeforeRelease_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Save()
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    try
                    {
                        Write();
                    }
                    finally
                    {
                        {|#1:Flush()|};
                        _vm.Unlock(vm);
                    }
                }

                void Write() { }

                void Flush() { }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Flush"));
    }

    // A throw in the finally after its release leaves nothing held.
    [Fact]
    public async Task ThrowInsideFinallyAfterRelease_RetakeInTry_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Save()
                {
                    LockHandle vm = _vm.Lock();
                    try
                    {
                        _vm.Unlock(vm);
                        Write();
                        vm = _vm.Lock();
                        Write();
                        _vm.Unlock(vm);
                        Write();
                        vm = _vm.Lock();
                    }
                    finally
                    {
                        _vm.Unlock(vm);
                        Flush();
                    }
                }

                void Write() { }

                void Flush() { }
            }
            """);
    }

    // try/catch/finally: an exception the catch does not take still reaches the finally.
    [Fact]
    public async Task TryCatchFinally_FinallyReleasesRetake_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.IO;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Save()
                {
                    LockHandle vm = _vm.Lock();
                    try
                    {
                        _vm.Unlock(vm);
                        Write();
                        vm = _vm.Lock();
                        Write();
                        _vm.Unlock(vm);
                        Write();
                        vm = _vm.Lock();
                    }
                    catch (IOException e)
                    {
                        Console.Error.WriteLine(e.Message);
                    }
                    finally
                    {
                        _vm.Unlock(vm);
                    }
                }

                void Write() { }
            }
            """);
    }
}
