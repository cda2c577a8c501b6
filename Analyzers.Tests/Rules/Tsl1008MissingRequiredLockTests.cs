using static Toolstack.Analyzers.Tests.Rules.RuleSources;
using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// TSL1008: a <c>[RequiresLock]</c> member called without its lock held. Reported at the call,
/// with no additional location. The test sources use <see cref="RuleSources.DomainTypes"/>:
/// <c>DomainState.MarkPaused</c> and <c>DomainState.Generation</c> require the state's
/// <c>Guard</c>; <c>Domain.EnterMonitor</c> requires the domain's <c>StateLock</c>.
/// </summary>
public class Tsl1008MissingRequiredLockTests
{
    private const string Usings = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Toolstack.Runtime;

        """;

    private static Task Verify(string source, params Microsoft.CodeAnalysis.Testing.DiagnosticResult[] expected) =>
        VerifyCS.VerifyAnalyzerAsync(WithDomainTypes(Usings + source), expected);

    // ---- must report ----------------------------------------------------------------------

    [Fact]
    public async Task NoLockHeld_Reports()
    {
        await Verify("""
            class Driver
            {
                void Pause(DomainState state)
                {
                    {|#0:state.MarkPaused()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1008").WithLocation(0)
                .WithArguments("MarkPaused", "DomainLock 'state.Guard'"));
    }

    [Fact]
    public async Task AnotherDomainsLockHeld_Reports()
    {
        await Verify("""
            class Driver
            {
                void Pause(DomainState state, DomainState other)
                {
                    using (other.Guard.Lock())
                    {
                        {|#0:state.MarkPaused()|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1008").WithLocation(0)
                .WithArguments("MarkPaused", "DomainLock 'state.Guard'"));
    }

    [Fact]
    public async Task LockOfAnotherTypeHeld_Reports()
    {
        await Verify("""
            class Driver
            {
                private readonly DriverLock _driver = new();

                void Pause(DomainState state)
                {
                    using (_driver.Lock())
                    {
                        {|#0:state.MarkPaused()|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1008").WithLocation(0)
                .WithArguments("MarkPaused", "DomainLock 'state.Guard'"));
    }

    [Fact]
    public async Task CalledAfterUsingBlockEnded_Reports()
    {
        await Verify("""
            class Driver
            {
                void Pause(DomainState state)
                {
                    using (state.Guard.Lock())
                    {
                        Console.WriteLine("checked");
                    }

                    {|#0:state.MarkPaused()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1008").WithLocation(0)
                .WithArguments("MarkPaused", "DomainLock 'state.Guard'"));
    }

    [Fact]
    public async Task ElseBranchWithoutLock_Reports()
    {
        await Verify("""
            class Driver
            {
                void Pause(DomainState state, bool locked)
                {
                    if (locked)
                    {
                        using (state.Guard.Lock())
                        {
                            state.MarkPaused();
                        }
                    }
                    else
                    {
                        {|#0:state.MarkPaused()|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1008").WithLocation(0)
                .WithArguments("MarkPaused", "DomainLock 'state.Guard'"));
    }

    [Fact]
    public async Task PropertyGetterWithoutLock_Reports()
    {
        await Verify("""
            class Driver
            {
                int Read(DomainState state)
                {
                    return {|#0:state.Generation|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1008").WithLocation(0)
                .WithArguments("Generation", "DomainLock 'state.Guard'"));
    }

    [Fact]
    public async Task FieldState_WithoutLock_Reports()
    {
        await Verify("""
            class Driver
            {
                private readonly DomainState _state = new(new DomainLock("vm1"));

                void Pause()
                {
                    {|#0:_state.MarkPaused()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1008").WithLocation(0)
                .WithArguments("MarkPaused", "DomainLock '_state.Guard'"));
    }

    [Fact]
    public async Task MemberOfSameClass_CalledWithoutLock_Reports()
    {
        await Verify("""
            sealed class VmState
            {
                public DomainLock Guard { get; } = new("vm1");

                public string Status { get; private set; } = "running";

                [RequiresLock(typeof(DomainLock), Lock = nameof(Guard))]
                public void MarkPaused() => Status = "paused";

                public void PauseUnlocked()
                {
                    {|#0:MarkPaused()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1008").WithLocation(0)
                .WithArguments("MarkPaused", "DomainLock 'Guard'"));
    }

    [Fact]
    public async Task LambdaWithoutLock_Reports()
    {
        await Verify("""
            class Driver
            {
                Action Pauser(DomainState state)
                {
                    Action pause = () => {|#0:state.MarkPaused()|};
                    return pause;
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1008").WithLocation(0)
                .WithArguments("MarkPaused", "DomainLock 'state.Guard'"));
    }

    [Fact]
    public async Task LocalStateAfterRelease_Reports()
    {
        await Verify("""
            class Driver
            {
                void Pause()
                {
                    var state = new DomainState(new DomainLock("vm1"));
                    using (state.Guard.Lock())
                    {
                        state.MarkPaused();
                    }

                    {|#0:state.MarkPaused()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1008").WithLocation(0)
                .WithArguments("MarkPaused", "DomainLock 'state.Guard'"));
    }

    [Fact]
    public async Task EnterMonitorWithoutDomainLock_Reports()
    {
        await Verify("""
            class Driver
            {
                void Stop(Domain vm)
                {
                    {|#0:vm.EnterMonitor()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1008").WithLocation(0)
                .WithArguments("EnterMonitor", "DomainLock 'vm.StateLock'"));
    }

    // ---- must stay silent -----------------------------------------------------------------

    [Fact]
    public async Task GuardHeld_UsingStatement_IsSilent()
    {
        await Verify("""
            class Driver
            {
                void Pause(DomainState state)
                {
                    using (state.Guard.Lock())
                    {
                        state.MarkPaused();
                        state.Generation = state.Generation + 1;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task GuardHeld_FieldState_UsingDeclaration_IsSilent()
    {
        await Verify("""
            class Driver
            {
                private readonly DomainState _state = new(new DomainLock("vm1"));

                void Pause()
                {
                    using LockHandle guard = _state.Guard.Lock();
                    _state.MarkPaused();
                }
            }
            """);
    }

    [Fact]
    public async Task GuardHeld_TryFinally_IsSilent()
    {
        await Verify("""
            class Driver
            {
                void Pause(DomainState state)
                {
                    LockHandle guard = state.Guard.Lock();
                    try
                    {
                        state.MarkPaused();
                    }
                    finally
                    {
                        state.Guard.Unlock(guard);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task InsideMethodThatItselfRequiresTheLock_IsSilent()
    {
        await Verify("""
            sealed class VmState
            {
                public DomainLock Guard { get; } = new("vm1");

                public string Status { get; private set; } = "running";

                [RequiresLock(typeof(DomainLock), Lock = nameof(Guard))]
                public void MarkPaused() => Status = "paused";

                [RequiresLock(typeof(DomainLock), Lock = nameof(Guard))]
                public void Pause()
                {
                    MarkPaused();
                }

                public void PauseLocked()
                {
                    using (Guard.Lock())
                    {
                        Pause();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task GuardHeldThroughAlias_IsSilent()
    {
        await Verify("""
            class Driver
            {
                void Pause(DomainState state)
                {
                    DomainLock guard = state.Guard;
                    using (guard.Lock())
                    {
                        state.MarkPaused();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task GuardHeldInLoopBody_IsSilent()
    {
        await Verify("""
            class Driver
            {
                void PauseAll(DomainState[] states)
                {
                    foreach (DomainState state in states)
                    {
                        using (state.Guard.Lock())
                        {
                            state.MarkPaused();
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task GuardFromHelperReturningHandle_IsSilent()
    {
        await Verify("""
            class Driver
            {
                LockHandle Take(DomainState state) => state.Guard.Lock();

                void Pause(DomainState state)
                {
                    using (Take(state))
                    {
                        state.MarkPaused();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task LambdaTakingTheLockItself_IsSilent()
    {
        await Verify("""
            class Driver
            {
                Action Pauser(DomainState state)
                {
                    Action pause = () =>
                    {
                        using (state.Guard.Lock())
                        {
                            state.MarkPaused();
                        }
                    };
                    return pause;
                }
            }
            """);
    }

    [Fact]
    public async Task AsyncMethod_LockTakenAfterAwait_IsSilent()
    {
        await Verify("""
            class Driver
            {
                async Task StopAsync(Domain vm, DomainState state)
                {
                    await vm.Monitor.StopAsync();
                    using (state.Guard.Lock())
                    {
                        state.MarkPaused();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task MonitorPattern_IsSilent()
    {
        await Verify("""
            class Driver
            {
                async Task StopAsync(Domain vm)
                {
                    using (vm.StateLock.Lock())
                    {
                        vm.EnterMonitor();
                        await vm.Monitor.StopAsync();
                        vm.ExitMonitor();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task EnterMonitorTwice_ReportsTsl1006Not1008()
    {
        // The second EnterMonitor also lacks its lock, but the mistake is the double release.
        await Verify("""
            class Driver
            {
                void Stop(Domain vm)
                {
                    using ({|#1:vm.StateLock.Lock()|})
                    {
                        vm.EnterMonitor();
                        {|#0:vm.EnterMonitor()|};
                        vm.ExitMonitor();
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1006").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock 'vm.StateLock'"));
    }

    // ---- TSL1008 ----------------------------------------------------------------------------

    /// <summary>
    /// Writing a <c>[RequiresLock]</c> property calls its setter without the lock. Before the fix, nothing
    /// is reported: <c>LockTransfer.Visit</c> returns early for a property reference that is
    /// an assignment target, so the setter is never recorded as a call (reading the same property
    /// is reported).
    /// </summary>
    [Fact]
    public async Task Tsl1008_PropertySetterWithoutLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync(WithDomainTypes("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Driver
            {
                void Reset(DomainState state)
                {
                    {|#0:state.Generation|} = 0;
                }
            }
            """),
            VerifyCS.Diagnostic("TSL1008").WithLocation(0)
                .WithArguments("Generation", "DomainLock 'state.Guard'"));
    }

    /// <summary>
    /// docs/configuration.md: with <c>[RequiresLock(typeof(X))]</c> callers must hold an X. Holding a
    /// DomainLock must satisfy a member that names no particular one. Before the fix,
    /// <c>CallPaths.ResolveRequired</c> treats the missing <c>Lock</c> as "the receiver is
    /// the lock", and resolves it to <c>registry</c>, which is not a lock. So this reports
    /// "'Touch' requires DomainLock 'registry' to be held".
    /// </summary>
    [Fact]
    public async Task Tsl1008_RequiresAnyLockOfType_OneHeld_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            sealed class Registry
            {
                [RequiresLock(typeof(DomainLock))]
                public void Touch() { }
            }

            class Driver
            {
                private readonly DomainLock _vm = new("vm1");

                void Touch(Registry registry)
                {
                    using (_vm.Lock())
                    {
                        registry.Touch();
                    }
                }
            }
            """);
    }

    /// <summary>
    /// The counterpart of <see cref="Tsl1008_RequiresAnyLockOfType_OneHeld_IsSilent"/>: with none
    /// held it reports, naming the lock type, not the receiver (before the fix: "DomainLock 'registry'").
    /// </summary>
    [Fact]
    public async Task Tsl1008_RequiresAnyLockOfType_NoneHeld_ReportsTheLockType()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            sealed class Registry
            {
                [RequiresLock(typeof(DomainLock))]
                public void Touch() { }
            }

            class Driver
            {
                void Touch(Registry registry)
                {
                    {|#0:registry.Touch()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1008").WithLocation(0)
                .WithArguments("Touch", "DomainLock"));
    }

    /// <summary>
    /// A local function called only where the lock is held does not call the member without
    /// it, and a local function that captures the state cannot be annotated with
    /// <c>[RequiresLock]</c> (the lock is not one of its parameters or members). Before the fix, TSL1008 is
    /// reported inside the local function: it is analyzed with an empty entry state, and no
    /// summary carries lock requirements to its call sites. This is a judgement call ("no report
    /// rather than a false one").
    /// </summary>
    [Fact]
    public async Task Tsl1008_LocalFunctionCalledOnlyUnderTheLock_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync(WithDomainTypes("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Driver
            {
                void Pause(DomainState state)
                {
                    using (state.Guard.Lock())
                    {
                        MarkPaused();
                    }

                    void MarkPaused() => state.MarkPaused();
                }
            }
            """));
    }

    /// <summary>The counterpart: a local function's unmet [RequiresLock] need is reported where it is called without the lock.</summary>
    [Fact]
    public async Task Tsl1008_LocalFunctionCalledWithoutTheLock_ReportsAtTheCall()
    {
        await VerifyCS.VerifyAnalyzerAsync(WithDomainTypes("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Driver
            {
                void Pause(DomainState state)
                {
                    {|#0:MarkPaused()|};

                    void MarkPaused() => state.MarkPaused();
                }
            }
            """),
            VerifyCS.Diagnostic("TSL1008").WithLocation(0).WithArguments("MarkPaused", "DomainLock 'state.Guard'"));
    }
}
