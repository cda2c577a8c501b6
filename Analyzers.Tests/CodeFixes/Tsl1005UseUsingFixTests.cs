using Microsoft.CodeAnalysis.Testing;
using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Toolstack.Analyzers.LockAnalyzer, Toolstack.CodeFixes.Tsl1005UseUsingFix>;

namespace Toolstack.Analyzers.Tests.CodeFixes;

/// <summary>
/// The fix for TSL1005 (leaked lock) and TSL1009 (released on the normal path only): a
/// <c>using</c> declaration with the explicit releases removed, or try/finally where the lock
/// must be released before later statements run.
/// </summary>
public class Tsl1005UseUsingFixTests
{
    private static DiagnosticResult Leak(int acquisition, int exit, string lockName, string method, string where) =>
        VerifyCS.Diagnostic("TSL1005").WithLocation(acquisition).WithLocation(exit).WithArguments(lockName, method, where);

    private static DiagnosticResult NotOnThrow(int acquisition, int call, string lockName, string callName) =>
        VerifyCS.Diagnostic("TSL1009").WithLocation(acquisition).WithLocation(call).WithArguments(lockName, callName);

    // ---- using declaration ----------------------------------------------------------------

    [Fact]
    public async Task LeakOnEarlyReturn_ConvertsToUsingDeclaration()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System.Collections.Generic;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private readonly Dictionary<string, int> _ids = new();

                int IdOf(string name)
                {
                    LockHandle driver = {|#0:_driver.Lock()|};
                    if (!_ids.TryGetValue(name, out int id))
                    {
                        {|#1:return -1;|}
                    }

                    _driver.Unlock(driver);
                    return id;
                }
            }
            """,
            Leak(0, 1, "DriverLock '_driver'", "IdOf", "still held at a return"),
            """
            using System.Collections.Generic;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private readonly Dictionary<string, int> _ids = new();

                int IdOf(string name)
                {
                    using LockHandle driver = _driver.Lock();
                    if (!_ids.TryGetValue(name, out int id))
                    {
                        return -1;
                    }

                    return id;
                }
            }
            """);
    }

    [Fact]
    public async Task ReleaseNotOnThrow_ConvertsToUsingDeclaration()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();

                void Refresh()
                {
                    LockHandle driver = {|#0:_driver.Lock()|};
                    {|#1:ReloadDomainList()|};
                    _driver.Unlock(driver);
                }

                private void ReloadDomainList()
                {
                }
            }
            """,
            NotOnThrow(0, 1, "DriverLock '_driver'", "ReloadDomainList"),
            """
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();

                void Refresh()
                {
                    using LockHandle driver = _driver.Lock();
                    ReloadDomainList();
                }

                private void ReloadDomainList()
                {
                }
            }
            """);
    }

    [Fact]
    public async Task VarHandleReleasedByDispose_KeepsVarAndRemovesDispose()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update(string status)
                {
                    var vm = {|#0:this._vm.Lock()|};
                    // Write the new status.
                    {|#1:Console.WriteLine(status)|};

                    vm.Dispose();
                }
            }
            """,
            NotOnThrow(0, 1, "DomainLock '_vm'", "Console.WriteLine"),
            """
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update(string status)
                {
                    using var vm = this._vm.Lock();
                    // Write the new status.
                    Console.WriteLine(status);
                }
            }
            """);
    }

    [Fact]
    public async Task AwaitedAcquisition_ConvertsToAwaitUsing()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                async Task InsertAsync(QmpLock qmp)
                {
                    LockHandle slow = await {|#0:qmp.LockAsync()|};
                    await {|#1:Task.Delay(10)|};
                    qmp.Unlock(slow);
                }
            }
            """,
            NotOnThrow(0, 1, "QmpLock 'qmp'", "Task.Delay"),
            """
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                async Task InsertAsync(QmpLock qmp)
                {
                    await using LockHandle slow = await qmp.LockAsync();
                    await Task.Delay(10);
                }
            }
            """);
    }

    [Fact]
    public async Task ReleasesInSwitchSections_AllRemoved()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                int Apply(int mode)
                {
                    LockHandle driver = {|#0:_driver.Lock()|};
                    switch (mode)
                    {
                        case 0:
                            _driver.Unlock(driver);
                            return 0;
                        case 1:
                            {|#1:return 1;|}
                        default:
                            driver.Dispose();
                            return 2;
                    }
                }
            }
            """,
            Leak(0, 1, "DriverLock '_driver'", "Apply", "still held at a return"),
            """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                int Apply(int mode)
                {
                    using LockHandle driver = _driver.Lock();
                    switch (mode)
                    {
                        case 0:
                            return 0;
                        case 1:
                            return 1;
                        default:
                            return 2;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task ReleaseInOneBranch_BranchKeptEmpty()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update(bool valid)
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    if (valid)
                    {
                        _vm.Unlock(vm);
                    }
                    else
                    {
                        {|#1:Console.WriteLine("invalid");|}
                    }
                }
            }
            """,
            Leak(0, 1, "DomainLock '_vm'", "Update", "still held on leaving"),
            """
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update(bool valid)
                {
                    using LockHandle vm = _vm.Lock();
                    if (valid)
                    {
                    }
                    else
                    {
                        Console.WriteLine("invalid");
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task ReleaseBeforeBreak_InLoopBody_ConvertsToUsingDeclaration()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Poll(int rounds)
                {
                    for (int i = 0; i < rounds; i++)
                    {
                        LockHandle vm = {|#0:_vm.Lock()|};
                        if (i == 3)
                        {
                            break;
                        }

                        _vm.Unlock(vm);
                    }

                    {|#1:Console.WriteLine("done");|}
                }
            }
            """,
            Leak(0, 1, "DomainLock '_vm'", "Poll", "still held on leaving"),
            """
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Poll(int rounds)
                {
                    for (int i = 0; i < rounds; i++)
                    {
                        using LockHandle vm = _vm.Lock();
                        if (i == 3)
                        {
                            break;
                        }
                    }

                    Console.WriteLine("done");
                }
            }
            """);
    }

    [Fact]
    public async Task DiscardedHandle_GetsGeneratedName()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Touch()
                {
                    {|#0:_vm.Lock()|};
                    {|#1:Console.WriteLine("touched");|}
                }
            }
            """,
            Leak(0, 1, "DomainLock '_vm'", "Touch", "still held on leaving"),
            """
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Touch()
                {
                    using LockHandle handle = _vm.Lock();
                    Console.WriteLine("touched");
                }
            }
            """);
    }

    [Fact]
    public async Task DiscardedHandle_NameInUse_GetsNextName()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Touch(string handle)
                {
                    {|#0:_vm.Lock()|};
                    {|#1:Console.WriteLine(handle);|}
                }
            }
            """,
            Leak(0, 1, "DomainLock '_vm'", "Touch", "still held on leaving"),
            """
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Touch(string handle)
                {
                    using LockHandle handle2 = _vm.Lock();
                    Console.WriteLine(handle);
                }
            }
            """);
    }

    [Fact]
    public async Task DiscardedAwaitedHandle_ConvertsToAwaitUsing()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                async Task InsertAsync(QmpLock qmp)
                {
                    await {|#0:qmp.LockAsync()|};
                    {|#1:await Task.Delay(10);|}
                }
            }
            """,
            Leak(0, 1, "QmpLock 'qmp'", "InsertAsync", "still held on leaving"),
            """
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                async Task InsertAsync(QmpLock qmp)
                {
                    await using LockHandle handle = await qmp.LockAsync();
                    await Task.Delay(10);
                }
            }
            """);
    }

    // ---- try/finally ----------------------------------------------------------------------

    [Fact]
    public async Task ReleaseBeforeLaterStatements_WrapsInTryFinally()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");
                private string _status = "running";

                void Stop()
                {
                    LockHandle vm = {|#0:_vm.Lock()|};

                    // The new status, under the lock.
                    _status = {|#1:Compute()|};
                    _vm.Unlock(vm);

                    Console.WriteLine("stopped");
                }

                private static string Compute() => "stopped";
            }
            """,
            NotOnThrow(0, 1, "DomainLock '_vm'", "Compute"),
            """
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");
                private string _status = "running";

                void Stop()
                {
                    LockHandle vm = _vm.Lock();

                    try
                    {
                        // The new status, under the lock.
                        _status = Compute();
                    }
                    finally
                    {
                        _vm.Unlock(vm);
                    }

                    Console.WriteLine("stopped");
                }

                private static string Compute() => "stopped";
            }
            """);
    }

    [Fact]
    public async Task LeakOnEarlyReturn_ReleaseMidBlock_WrapsInTryFinally()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _count;

                int Count(bool skip)
                {
                    LockHandle driver = {|#0:_driver.Lock()|};
                    if (skip)
                    {
                        {|#1:return 0;|}
                    }

                    int count = _count;
                    _driver.Unlock(driver);
                    Console.WriteLine("counted");
                    return 1;
                }
            }
            """,
            Leak(0, 1, "DriverLock '_driver'", "Count", "still held at a return"),
            """
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _count;

                int Count(bool skip)
                {
                    LockHandle driver = _driver.Lock();
                    try
                    {
                        if (skip)
                        {
                            return 0;
                        }

                        int count = _count;
                    }
                    finally
                    {
                        _driver.Unlock(driver);
                    }
                    Console.WriteLine("counted");
                    return 1;
                }
            }
            """);
    }

    // ---- Fix All --------------------------------------------------------------------------

    private const string ThreeMethods = """
        using System;
        using System.Threading.Tasks;
        using Toolstack.Runtime;

        class Daemon
        {
            private readonly DriverLock _driver = new();
            private readonly DomainLock _vm = new("vm1");

            int First(bool skip)
            {
                LockHandle driver = {|#0:_driver.Lock()|};
                if (skip)
                {
                    {|#1:return 0;|}
                }

                _driver.Unlock(driver);
                return 1;
            }

            void Second()
            {
                LockHandle vm = {|#2:_vm.Lock()|};
                {|#3:Console.WriteLine("second")|};
                vm.Dispose();
            }

            async Task ThirdAsync(QmpLock qmp)
            {
                LockHandle slow = await {|#4:qmp.LockAsync()|};
                await {|#5:Task.Delay(1)|};
                qmp.Unlock(slow);
            }
        }
        """;

    private const string ThreeMethodsFixed = """
        using System;
        using System.Threading.Tasks;
        using Toolstack.Runtime;

        class Daemon
        {
            private readonly DriverLock _driver = new();
            private readonly DomainLock _vm = new("vm1");

            int First(bool skip)
            {
                using LockHandle driver = _driver.Lock();
                if (skip)
                {
                    return 0;
                }

                return 1;
            }

            void Second()
            {
                using LockHandle vm = _vm.Lock();
                Console.WriteLine("second");
            }

            async Task ThirdAsync(QmpLock qmp)
            {
                await using LockHandle slow = await qmp.LockAsync();
                await Task.Delay(1);
            }
        }
        """;

    private static readonly DiagnosticResult[] ThreeMethodsDiagnostics =
    {
        Leak(0, 1, "DriverLock '_driver'", "First", "still held at a return"),
        NotOnThrow(2, 3, "DomainLock '_vm'", "Console.WriteLine"),
        NotOnThrow(4, 5, "QmpLock 'qmp'", "Task.Delay"),
    };

    [Fact]
    public async Task FixAll_InDocument_FixesEveryMethod()
    {
        await VerifyCS.VerifyCodeFixAsync(ThreeMethods,
            ThreeMethodsDiagnostics,
            ThreeMethodsFixed);
    }

    [Fact]
    public async Task FixAll_TwoLocksInOneBlock_BothConverted()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                void Both()
                {
                    LockHandle driver = {|#0:_driver.Lock()|};
                    LockHandle vm = {|#1:_vm.Lock()|};
                    {|#2:Console.WriteLine("both")|};
                    _vm.Unlock(vm);
                    _driver.Unlock(driver);
                }
            }
            """,
            new[]
            {
                NotOnThrow(0, 1, "DriverLock '_driver'", "DomainLock.Lock"),
                NotOnThrow(1, 2, "DomainLock '_vm'", "Console.WriteLine"),
            },
            """
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                void Both()
                {
                    using LockHandle driver = _driver.Lock();
                    using LockHandle vm = _vm.Lock();
                    Console.WriteLine("both");
                }
            }
            """);
    }

    [Fact]
    public async Task FixAll_InProject_FixesBothDocuments()
    {
        var test = new VerifyCS.Test();
        test.TestState.Sources.Add(("First.cs", ThreeMethods));
        test.TestState.Sources.Add(("Second.cs", """
            using System;
            using Toolstack.Runtime;

            class Other
            {
                private readonly DriverLock _driver = new();

                void Touch()
                {
                    {|#6:_driver.Lock()|};
                    {|#7:Console.WriteLine("touched");|}
                }
            }
            """));
        test.ExpectedDiagnostics.AddRange(ThreeMethodsDiagnostics);
        test.ExpectedDiagnostics.Add(Leak(6, 7, "DriverLock '_driver'", "Touch", "still held on leaving"));
        test.FixedState.Sources.Add(("First.cs", ThreeMethodsFixed));
        test.FixedState.Sources.Add(("Second.cs", """
            using System;
            using Toolstack.Runtime;

            class Other
            {
                private readonly DriverLock _driver = new();

                void Touch()
                {
                    using LockHandle handle = _driver.Lock();
                    Console.WriteLine("touched");
                }
            }
            """));
        await test.RunAsync(CancellationToken.None);
    }

    // ---- no fix ---------------------------------------------------------------------------

    [Fact]
    public async Task HandleReadBesidesRelease_NoFix()
    {
        const string source = """
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update()
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    {|#1:Console.WriteLine(vm.IsHeld)|};
                    _vm.Unlock(vm);
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, NotOnThrow(0, 1, "DomainLock '_vm'", "Console.WriteLine"), source);
    }

    [Fact]
    public async Task HandleAssignedTwice_NoFix()
    {
        const string source = """
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update()
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    {|#1:Console.WriteLine("first")|};
                    _vm.Unlock(vm);
                    vm = _vm.Lock();
                    _vm.Unlock(vm);
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, NotOnThrow(0, 1, "DomainLock '_vm'", "Console.WriteLine"), source);
    }

    [Fact]
    public async Task DeclaredInSwitchSection_NoFix()
    {
        const string source = """
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                int Apply(int mode)
                {
                    switch (mode)
                    {
                        case 0:
                            LockHandle driver = {|#0:_driver.Lock()|};
                            if (mode > 1)
                            {
                                {|#1:return 1;|}
                            }

                            _driver.Unlock(driver);
                            return 0;
                        default:
                            return 2;
                    }
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, Leak(0, 1, "DriverLock '_driver'", "Apply", "still held at a return"), source);
    }

    [Fact]
    public async Task ExpressionBodiedMember_NoFix()
    {
        const string source = """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Touch() => {|#0:_driver.Lock()|};
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, Leak(0, 0, "DriverLock '_driver'", "Touch", "still held on leaving"), source);
    }

    [Fact]
    public async Task ReleaseAsEmbeddedStatement_NoFix()
    {
        const string source = """
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update(bool valid)
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    if (valid)
                        _vm.Unlock(vm);
                    else
                        {|#1:Console.WriteLine("invalid");|}
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, Leak(0, 1, "DomainLock '_vm'", "Update", "still held on leaving"), source);
    }

    [Fact]
    public async Task ReleaseInBranchFollowedByWork_NoFix()
    {
        // Released in one branch before more work, kept in the other: neither form keeps the extent.
        const string source = """
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update(bool valid)
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    if (valid)
                    {
                        _vm.Unlock(vm);
                        Console.WriteLine("valid");
                    }
                    else
                    {
                        {|#1:Console.WriteLine("invalid");|}
                    }
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, Leak(0, 1, "DomainLock '_vm'", "Update", "still held on leaving"), source);
    }

    [Fact]
    public async Task LocalUsedAfterMidBlockRelease_NoFix()
    {
        // try/finally would put 'status' out of scope for the line after the release.
        const string source = """
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Report()
                {
                    LockHandle vm = {|#0:_vm.Lock()|};
                    string status = {|#1:Compute()|};
                    _vm.Unlock(vm);
                    Console.WriteLine(status);
                }

                private static string Compute() => "running";
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, NotOnThrow(0, 1, "DomainLock '_vm'", "Compute"), source);
    }

    [Fact]
    public async Task DiscardedHandle_InSwitchSection_NoFix()
    {
        const string source = """
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Touch(int mode)
                {
                    switch (mode)
                    {
                        case 0:
                            {|#1:{|#0:_vm.Lock()|};|}
                            break;
                    }
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, Leak(0, 1, "DomainLock '_vm'", "Touch", "still held on leaving"), source);
    }
}
