using static Toolstack.Analyzers.Tests.Rules.RuleSources;
using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// How releases and ways out are followed: returns, handles handed back, idempotent disposal,
/// second releases, throws and try/catch (TSL1005, TSL1006, TSL1009). Each comment says what the
/// engine once got wrong here.
/// </summary>
public class ReleasePathTests
{
    // ---- TSL1005 ----------------------------------------------------------------------------

    /// <summary>
    /// A valueless <c>return;</c> is a return: the exit should be the return statement. Before the fix the
    /// CFG branch of a valueless return has Regular semantics and no branch value, so
    /// <c>ExitLocations</c> falls back to the block's last operation
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
    /// reported: escape is flow-insensitive (<c>AcquisitionTable.Escaped</c>, filled by the
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
    /// call: the rule pages' "handles of unknown origin" exclusion (docs/rules/TSL1003.md) could be
    /// read as covering it.
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

    // ---- TSL1009 ----------------------------------------------------------------------------

    /// <summary>
    /// TSL1009: a throw between acquire and release leaves the lock held. Throwing an exception
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
    /// (<c>CallEffects</c> skips <c>IPropertyReferenceOperation</c>), so nothing is
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

    // ---- the handle flows through ConfigureAwait ------------------------------------------------

    [Fact]
    public async Task Tsl1005_AcquisitionTaskConfigured_ReleasedInFinally_IsSilent()
    {
        // ConfigureAwait(false) on the acquisition's task still yields its handle: the finally releases it.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                async Task InsertAsync(QmpLock qmp)
                {
                    LockHandle slow = await qmp.LockAsync().ConfigureAwait(false);
                    try
                    {
                        await Task.Yield();
                    }
                    finally
                    {
                        qmp.Unlock(slow);
                    }
                }
            }
            """);
    }
}
