using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// A mistake two rules could see is reported once (see also <see cref="RulePrecedenceTests"/>).
/// Each comment says what was reported twice before.
/// </summary>
public class OneMistakeOneDiagnosticTests
{
    // ---- one mistake, one diagnostic -----------------------------------------------------------

    [Fact]
    public async Task Tsl1003_UsingDeclarationThenUnlockThroughWrongLock_IsTsl1003Only()
    {
        // Before the fix: TSL1003 at the Unlock, plus TSL1006 ("released here although it is no longer
        // held") at the using declaration. The engine marks the handle released by the wrong
        // Unlock, then sees the implicit Dispose as a second release; but LockHandle.Dispose is
        // idempotent ("so using is always safe"), so the disposal is no second mistake. The same
        // TSL1006 appears with the right lock (`using var vm = _vm1.Lock(); _vm1.Unlock(vm);`).
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Refresh()
                {
                    using LockHandle vm = {|#1:_vm1.Lock()|};
                    {|#0:_vm2.Unlock(vm)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm1'", "DomainLock '_vm2'"));
    }

    // ---- a release through the wrong lock leaves the handle held ------------------------------

    [Fact]
    public async Task Tsl1003_WrongUnlockThenRightUnlock_IsTsl1003Only()
    {
        // The wrong Unlock throws at run time and the handle stays held, so the right Unlock after
        // it is not a second release. Before the fix: TSL1003 plus TSL1006 at the right Unlock.
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Run()
                {
                    LockHandle vm = {|#1:_vm1.Lock()|};
                    {|#0:_vm2.Unlock(vm)|};
                    _vm1.Unlock(vm);
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1003").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm1'", "DomainLock '_vm2'"));
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
}
