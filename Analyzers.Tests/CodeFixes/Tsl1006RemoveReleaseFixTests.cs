using Microsoft.CodeAnalysis.Testing;
using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Toolstack.Analyzers.LockAnalyzer, Toolstack.CodeFixes.Tsl1006RemoveReleaseFix>;

namespace Toolstack.Analyzers.Tests.CodeFixes;

/// <summary>The fix for TSL1006 (released twice): remove the second release.</summary>
public class Tsl1006RemoveReleaseFixTests
{
    private static DiagnosticResult DoubleRelease(int release, int acquisition, string lockName) =>
        VerifyCS.Diagnostic("TSL1006").WithLocation(release).WithLocation(acquisition).WithArguments(lockName);

    [Fact]
    public async Task UnlockTwice_RemovesSecondUnlock()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update()
                {
                    LockHandle vm = {|#1:_vm.Lock()|};
                    _vm.Unlock(vm);
                    {|#0:_vm.Unlock(vm)|};
                }
            }
            """,
            DoubleRelease(0, 1, "DomainLock '_vm'"),
            """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update()
                {
                    LockHandle vm = _vm.Lock();
                    _vm.Unlock(vm);
                }
            }
            """);
    }

    [Fact]
    public async Task DisposeThenUnlock_RemovesUnlock_KeepsParagraphs()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update()
                {
                    LockHandle vm = {|#1:_vm.Lock()|};
                    vm.Dispose();

                    // Released again, by mistake.
                    {|#0:_vm.Unlock(vm)|};
                    Console.WriteLine("done");
                }
            }
            """,
            DoubleRelease(0, 1, "DomainLock '_vm'"),
            """
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update()
                {
                    LockHandle vm = _vm.Lock();
                    vm.Dispose();

                    Console.WriteLine("done");
                }
            }
            """);
    }

    [Fact]
    public async Task ReleaseInSwitchSection_RemovesIt()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                int Apply(int mode)
                {
                    LockHandle driver = {|#1:_driver.Lock()|};
                    _driver.Unlock(driver);
                    switch (mode)
                    {
                        case 0:
                            {|#0:_driver.Unlock(driver)|};
                            return 0;
                        default:
                            return 1;
                    }
                }
            }
            """,
            DoubleRelease(0, 1, "DriverLock '_driver'"),
            """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                int Apply(int mode)
                {
                    LockHandle driver = _driver.Lock();
                    _driver.Unlock(driver);
                    switch (mode)
                    {
                        case 0:
                            return 0;
                        default:
                            return 1;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task ReleaseInTryAndFinally_RemovesTheSecond()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using Toolstack.Runtime;

            class Domain
            {
                private readonly DomainLock _vm = new("vm1");
                public string Status { get; private set; } = "running";

                public void MarkStopped()
                {
                    LockHandle vm = {|#1:_vm.Lock()|};
                    try
                    {
                        Status = "stopped";
                        _vm.Unlock(vm);
                    }
                    finally
                    {
                        {|#0:_vm.Unlock(vm)|};
                    }
                }
            }
            """,
            DoubleRelease(0, 1, "DomainLock '_vm'"),
            """
            using Toolstack.Runtime;

            class Domain
            {
                private readonly DomainLock _vm = new("vm1");
                public string Status { get; private set; } = "running";

                public void MarkStopped()
                {
                    LockHandle vm = _vm.Lock();
                    try
                    {
                        Status = "stopped";
                        _vm.Unlock(vm);
                    }
                    finally
                    {
                    }
                }
            }
            """);
    }

    // ---- Fix All --------------------------------------------------------------------------

    private const string TwoMethods = """
        using Toolstack.Runtime;

        class Daemon
        {
            private readonly DriverLock _driver = new();
            private readonly DomainLock _vm = new("vm1");

            void First()
            {
                LockHandle driver = {|#1:_driver.Lock()|};
                _driver.Unlock(driver);
                {|#0:_driver.Unlock(driver)|};
            }

            void Second()
            {
                LockHandle vm = {|#3:_vm.Lock()|};
                vm.Dispose();
                {|#2:_vm.Unlock(vm)|};
            }
        }
        """;

    private const string TwoMethodsFixed = """
        using Toolstack.Runtime;

        class Daemon
        {
            private readonly DriverLock _driver = new();
            private readonly DomainLock _vm = new("vm1");

            void First()
            {
                LockHandle driver = _driver.Lock();
                _driver.Unlock(driver);
            }

            void Second()
            {
                LockHandle vm = _vm.Lock();
                vm.Dispose();
            }
        }
        """;

    private static readonly DiagnosticResult[] TwoMethodsDiagnostics =
    {
        DoubleRelease(0, 1, "DriverLock '_driver'"),
        DoubleRelease(2, 3, "DomainLock '_vm'"),
    };

    [Fact]
    public async Task FixAll_InDocument_RemovesEverySecondRelease()
    {
        await VerifyCS.VerifyCodeFixAsync(TwoMethods, TwoMethodsDiagnostics, TwoMethodsFixed);
    }

    [Fact]
    public async Task FixAll_InProject_FixesBothDocuments()
    {
        var test = new VerifyCS.Test();
        test.TestState.Sources.Add(("First.cs", TwoMethods));
        test.TestState.Sources.Add(("Second.cs", """
            using Toolstack.Runtime;

            class Other
            {
                private readonly DomainLock _vm = new("vm2");

                void Update()
                {
                    LockHandle vm = {|#5:_vm.Lock()|};
                    _vm.Unlock(vm);
                    {|#4:_vm.Unlock(vm)|};
                }
            }
            """));
        test.ExpectedDiagnostics.AddRange(TwoMethodsDiagnostics);
        test.ExpectedDiagnostics.Add(DoubleRelease(4, 5, "DomainLock '_vm'"));
        test.FixedState.Sources.Add(("First.cs", TwoMethodsFixed));
        test.FixedState.Sources.Add(("Second.cs", """
            using Toolstack.Runtime;

            class Other
            {
                private readonly DomainLock _vm = new("vm2");

                void Update()
                {
                    LockHandle vm = _vm.Lock();
                    _vm.Unlock(vm);
                }
            }
            """));
        await test.RunAsync(CancellationToken.None);
    }

    // ---- no fix ---------------------------------------------------------------------------

    [Fact]
    public async Task ReleaseAsEmbeddedStatement_NoFix()
    {
        const string source = """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update(bool again)
                {
                    LockHandle vm = {|#1:_vm.Lock()|};
                    _vm.Unlock(vm);
                    if (again)
                        {|#0:_vm.Unlock(vm)|};
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, DoubleRelease(0, 1, "DomainLock '_vm'"), source);
    }

    [Fact]
    public async Task ReleaseInForIncrementor_NoFix()
    {
        const string source = """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");

                void Update()
                {
                    LockHandle vm = {|#1:_vm.Lock()|};
                    _vm.Unlock(vm);
                    for (int i = 0; i < 1; {|#0:_vm.Unlock(vm)|})
                    {
                        i++;
                    }
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, DoubleRelease(0, 1, "DomainLock '_vm'"), source);
    }
}
