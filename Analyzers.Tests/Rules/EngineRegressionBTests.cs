using static Toolstack.Analyzers.Tests.Rules.RuleSources;
using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// Cases of TSL1005–TSL1009 the engine once got wrong (found while writing the rule tests); the
/// comment on each says what went wrong before the fix and where.
/// </summary>
public class EngineRegressionBTests
{
    // ---- TSL1005 ----------------------------------------------------------------------------

    /// <summary>
    /// A valueless <c>return;</c> is a return: the exit should be the return statement. Before the fix the
    /// CFG branch of a valueless return has Regular semantics and no branch value, so
    /// <c>LockStateEngine.ExitLocation</c> falls back to the block's last operation
    /// (<c>Console.WriteLine("early");</c>) and TSL1005 called it "leaving" rather than a return.
    /// </summary>
    [Fact]
    public async Task Tsl1005_ValuelessReturn_ExitIsTheReturnStatement()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update(bool early)
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    if (early)
                    {
                        Console.WriteLine("early");
                        {|#1:return;|}
                    }

                    _vm.Unlock(vm);
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Update", "still held at a return"));
    }

    /// <summary>
    /// Returning the handle on one path does not release it on the other. Before the fix, nothing is
    /// reported: escape is flow-insensitive (<c>LockStateEngine._escaped</c>, filled by the
    /// returned branch value), and <c>Tsl1005LeakedLock.IsOwnedHere</c> drops the acquisition for
    /// every exit. Same for a handle stored in a field on one path only.
    /// </summary>
    [Fact]
    public async Task Tsl1005_HandleReturnedOnOnePathOnly_LeakOnTheOtherReports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            #nullable enable
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                LockHandle? TryTake(bool wanted)
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    if (wanted)
                    {
                        return vm;
                    }

                    {|#1:return null;|}
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "TryTake", "still held at a return"));
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

    // ---- TSL1006 ----------------------------------------------------------------------------

    /// <summary>
    /// <c>using</c> plus an early explicit release is the exception-safe way to drop a short lock
    /// before slow work. The runtime makes it safe by design: Dispose is idempotent, "so
    /// <c>using</c> is always safe" (docs/runtime-locking.md), and only a second Unlock throws
    /// LockNotHeldException, the bug TSL1006's description names. Before the fix, TSL1006 is reported at
    /// the using's implicit Dispose (the declarator <c>state = _vm.Lock()</c>):
    /// <c>Tsl1006DoubleRelease</c> treats a Dispose after a release like a second Unlock.
    /// </summary>
    [Fact]
    public async Task Tsl1006_UsingDeclaration_EarlyUnlockBeforeSlowWork_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync(WithDomainTypes("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DomainLock _vm = new("vm1");
                private int _generation;

                async Task StopAsync(Domain vm)
                {
                    using LockHandle state = _vm.Lock();
                    _generation++;
                    _vm.Unlock(state);
                    await vm.Monitor.StopAsync();
                }
            }
            """));
    }

    /// <summary>The using-statement form of <see cref="Tsl1006_UsingDeclaration_EarlyUnlockBeforeSlowWork_IsSilent"/>.</summary>
    [Fact]
    public async Task Tsl1006_UsingStatement_ExplicitUnlockInside_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update()
                {
                    using (LockHandle vm = _vm.Lock())
                    {
                        Console.WriteLine("update");
                        _vm.Unlock(vm);
                        Console.WriteLine("slow part, unlocked");
                    }
                }
            }
            """);
    }

    /// <summary>
    /// A handle parameter released twice in the same method is released twice whatever its
    /// origin: if the first Unlock returned, the second throws LockNotHeldException. Nothing is
    /// guessed about where the handle came from. Before the fix, <c>Tsl1006DoubleRelease</c> skips every
    /// target of <c>AcquisitionOrigin.Parameter</c>, so nothing is reported. This is a judgement
    /// call: DESIGN.md's "handles of unknown origin are not guessed at" could be read as
    /// covering it.
    /// </summary>
    [Fact]
    public async Task Tsl1006_HandleParameterUnlockedTwice_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Finish(LockHandle {|#1:vm|})
                {
                    _vm.Unlock(vm);
                    {|#0:_vm.Unlock(vm)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1006").WithLocation(0).WithLocation(1)
                .WithArguments("handle 'vm'"));
    }

    // ---- TSL1007 ----------------------------------------------------------------------------

    /// <summary>
    /// One <c>await foreach</c> under a short lock is one mistake. Before the fix there were two TSL1007s:
    /// one at the statement (the MoveNextAsync await) and one at <c>items</c> (the implicit
    /// DisposeAsync await of the enumerator). Each implicit await is an event, and
    /// <c>Tsl1007AwaitUnderLock</c> reports each one.
    /// </summary>
    [Fact]
    public async Task Tsl1007_AwaitForeachUnderShortLock_ReportsOnce()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                async Task DrainAsync(IAsyncEnumerable<int> events)
                {
                    using LockHandle vm = {|#1:_vm.Lock()|};
                    {|#0:await foreach (int e in events)
                    {
                        Console.WriteLine(e);
                    }|}
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'"));
    }

    // ---- TSL1008 ----------------------------------------------------------------------------

    /// <summary>
    /// Writing a <c>[RequiresLock]</c> property calls its setter without the lock. Before the fix, nothing
    /// is reported: <c>LockStateEngine.Visit</c> returns early for a property reference that is
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
    /// DESIGN.md: "[RequiresLock(typeof(X))] // on a member: the caller must hold an X". Holding a
    /// DomainLock must satisfy a member that names no particular one. Before the fix,
    /// <c>LockStateEngine.ResolveRequired</c> treats the missing <c>Lock</c> as "the receiver is
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

    // ---- TSL1009 ----------------------------------------------------------------------------

    /// <summary>
    /// DESIGN.md: "a throw between acquire and release leaves it held". Throwing an exception
    /// that already exists involves no call, and before the fix nothing is reported: TSL1009 looks only at
    /// Call and Await events, and <c>throw new X()</c> is caught only through X's constructor.
    /// TSL1005 rightly ignores the throw path. The "'throw'" name argument mirrors the "await"
    /// name used for awaits.
    /// </summary>
    [Fact]
    public async Task Tsl1009_ThrowOfExistingException_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            #nullable enable
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Check(Exception? failure)
                {
                    LockHandle driver = {|#0:_driver.Lock()|};
                    if (failure is not null)
                    {
                        {|#1:throw failure;|}
                    }

                    _driver.Unlock(driver);
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'", "throw"));
    }

    /// <summary>
    /// An indexer is a call that may throw (Dictionary's throws KeyNotFoundException). Before the fix,
    /// property references, indexers among them, are never Call events
    /// (<c>LockStateEngine.Call</c> skips <c>IPropertyReferenceOperation</c>), so nothing is
    /// reported. The name argument follows <c>MethodAnalysis.CallName</c> for the indexer. This is
    /// a judgement call: plain property reads are left out on purpose.
    /// </summary>
    [Fact]
    public async Task Tsl1009_DictionaryIndexerBetween_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");
                private readonly Dictionary<string, int> _ids = new();

                int Find(string name)
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    int id = {|#1:_ids[name]|};
                    _vm.Unlock(vm);
                    return id;
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1009").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Dictionary.this[]"));
    }

    /// <summary>
    /// Found by the hot-plug sample: an exception leaving a <c>using</c> inside a try reaches the
    /// catch only after the using's dispose. Before the fix the catch saw the lock still held and
    /// TSL1005 was reported at its return.
    /// </summary>
    [Fact]
    public async Task Tsl1005_UsingInsideTryWithCatchThatReturns_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                int Run()
                {
                    try
                    {
                        using (_vm.Lock())
                        {
                            Console.WriteLine();
                        }

                        return 0;
                    }
                    catch (InvalidOperationException)
                    {
                        return 1;
                    }
                }

                int Nested()
                {
                    try
                    {
                        {
                            using LockHandle vm = _vm.Lock();
                            Console.WriteLine();
                        }

                        return 0;
                    }
                    catch (InvalidOperationException)
                    {
                        return 1;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Tsl1005_ExplicitReleaseInsideTry_CatchThatReturns_Reports()
    {
        // The counterpart: without a finally, a throw before the release reaches the catch with
        // the lock held, and the catch's return leaks it.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                int Run()
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    try
                    {
                        Console.WriteLine();
                        _vm.Unlock(vm);
                        return 0;
                    }
                    catch (InvalidOperationException)
                    {
                        {|#1:return 1;|}
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm'", "Run", "still held at a return"));
    }
}
