using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Toolstack.CodeFixes;
using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Toolstack.Analyzers.LockAnalyzer, Toolstack.CodeFixes.Tsl1001ReorderFix>;

namespace Toolstack.Analyzers.Tests.CodeFixes;

/// <summary>
/// TSL1001's fix: two adjacent acquisitions swapped into hierarchy order. Nothing is offered
/// when they are not adjacent, of one level, or when one uses what the other produces.
/// </summary>
public class Tsl1001ReorderFixTests
{
    /// <summary>TSL1001 at markup location <paramref name="location"/>, the held lock taken at <paramref name="held"/>; the message is the analyzer tests' business.</summary>
    private static DiagnosticResult Tsl1001(int location, int held) =>
        new DiagnosticResult("TSL1001", DiagnosticSeverity.Warning).WithLocation(location).WithLocation(held);

    private static DiagnosticResult Tsl1001(int location, int heldLine, int heldColumn) =>
        new DiagnosticResult("TSL1001", DiagnosticSeverity.Warning).WithLocation(location).WithLocation(heldLine, heldColumn);

    // ---- the fix applies ------------------------------------------------------------------

    /// <summary>The domain lock taken before the driver lock: out of order.</summary>
    private const string DomainThenDriver = """
        using Toolstack.Runtime;

        public sealed class Domains
        {
            private readonly DriverLock _driver = new();
            private readonly DomainLock _vm = new("vm1");

            public void Rename(string name)
            {
                using LockHandle vm = {|#1:_vm.Lock()|};
                using LockHandle driver = {|#0:_driver.Lock()|};
                // update the driver's name table and the domain
            }
        }
        """;

    [Fact]
    public async Task UsingDeclarations_Swapped()
    {
        await VerifyCS.VerifyCodeFixAsync(DomainThenDriver,
            Tsl1001(0, 1),
            """
            using Toolstack.Runtime;

            public sealed class Domains
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                public void Rename(string name)
                {
                    using LockHandle driver = _driver.Lock();
                    using LockHandle vm = _vm.Lock();
                    // update the driver's name table and the domain
                }
            }
            """);
    }

    [Fact]
    public async Task LocalDeclarations_ExplicitReleases_Swapped()
    {
        var test = new VerifyCS.Test
        {
            TestCode = """
                using Toolstack.Runtime;

                class Daemon
                {
                    private readonly DriverLock _driver = new();
                    private readonly DomainLock _vm = new("vm1");
                    private int _renames;

                    void Rename()
                    {

                        LockHandle vm = {|#1:{|#2:_vm.Lock()|}|};
                        LockHandle driver = {|#0:{|#3:_driver.Lock()|}|};
                        try
                        {
                            _renames++;
                        }
                        finally
                        {
                            _driver.Unlock(driver);
                            _vm.Unlock(vm);
                        }
                    }
                }
                """,
            FixedCode = """
                using Toolstack.Runtime;

                class Daemon
                {
                    private readonly DriverLock _driver = new();
                    private readonly DomainLock _vm = new("vm1");
                    private int _renames;

                    void Rename()
                    {

                        LockHandle driver = _driver.Lock();
                        LockHandle vm = _vm.Lock();
                        try
                        {
                            _renames++;
                        }
                        finally
                        {
                            _driver.Unlock(driver);
                            _vm.Unlock(vm);
                        }
                    }
                }
                """,
        };
        test.ExpectedDiagnostics.Add(Tsl1001(0, 1));

        // Two handles before one try: released on the normal path only (the second Lock, or the
        // first Unlock, may throw). Not this fix's business: the fix orders the acquisitions only.
        test.ExpectedDiagnostics.Add(new DiagnosticResult("TSL1009", DiagnosticSeverity.Warning).WithLocation(2).WithLocation(3));
        test.FixedState.ExpectedDiagnostics.Add(
            new DiagnosticResult("TSL1009", DiagnosticSeverity.Warning).WithLocation(12, 29).WithLocation(13, 25));
        test.FixedState.ExpectedDiagnostics.Add(
            new DiagnosticResult("TSL1009", DiagnosticSeverity.Warning).WithLocation(13, 25).WithLocation(20, 13));
        await test.RunAsync();
    }

    [Fact]
    public async Task CommentsTravelWithTheirStatements()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                void Save()
                {
                    // the domain
                    using var vm = {|#1:_vm.Lock()|};
                    // the driver's table
                    using var driver = {|#0:_driver.Lock()|}; // short
                }
            }
            """,
            Tsl1001(0, 1),
            """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                void Save()
                {
                    // the driver's table
                    using var driver = _driver.Lock(); // short
                    // the domain
                    using var vm = _vm.Lock();
                }
            }
            """);
    }

    [Fact]
    public async Task NestedUsingStatements_InBlock_ResourcesSwapped()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");
                private int _renames;

                void Rename()
                {
                    using (LockHandle vm = {|#1:_vm.Lock()|})
                    {
                        using ({|#0:_driver.Lock()|})
                        {
                            _renames++;
                        }
                    }
                }
            }
            """,
            Tsl1001(0, 1),
            """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");
                private int _renames;

                void Rename()
                {
                    using (_driver.Lock())
                    {
                        using (LockHandle vm = _vm.Lock())
                        {
                            _renames++;
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task NestedUsingStatements_Direct_AwaitMovesWithItsResource()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");
                private int _changes;

                async Task ChangeAsync(QmpLock qmp)
                {
                    using (LockHandle vm = {|#1:_vm.Lock()|})
                    await using (LockHandle slow = await {|#0:qmp.LockAsync()|})
                    {
                        _changes++;
                    }
                }
            }
            """,
            Tsl1001(0, 1),
            """
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm = new("vm1");
                private int _changes;

                async Task ChangeAsync(QmpLock qmp)
                {
                    await using (LockHandle slow = await qmp.LockAsync())
                    using (LockHandle vm = _vm.Lock())
                    {
                        _changes++;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task ThreeLocks_FixedInTwoSteps()
    {
        // The slow lock goes under the domain lock first, then under the driver lock: one swap each.
        string source = """
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                async Task ChangeAsync(QmpLock qmp)
                {
                    using var driver = _driver.Lock();
                    using var vm = {|#1:_vm.Lock()|};
                    await using var slow = await {|#0:qmp.LockAsync()|};
                }
            }
            """;
        string fixedSource = """
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                async Task ChangeAsync(QmpLock qmp)
                {
                    await using var slow = await qmp.LockAsync();
                    using var driver = _driver.Lock();
                    using var vm = _vm.Lock();
                }
            }
            """;
        var test = new VerifyCS.Test
        {
            TestCode = source,
            FixedCode = fixedSource,
            NumberOfIncrementalIterations = 2,
            NumberOfFixAllIterations = 2,
        };
        test.ExpectedDiagnostics.Add(Tsl1001(0, 1));
        await test.RunAsync();
    }

    // ---- Fix All --------------------------------------------------------------------------

    [Fact]
    public async Task FixAll_SeveralInOneDocument()
    {
        var test = new VerifyCS.Test
        {
            TestCode = """
                using Toolstack.Runtime;

                class Daemon
                {
                    private readonly DriverLock _driver = new();
                    private readonly DomainLock _vm = new("vm1");
                    private readonly JsonLock _json = new(new DomainUserdata("/tmp", "vm1"));

                    void Rename()
                    {
                        using var vm = {|#1:_vm.Lock()|};
                        using var driver = {|#0:_driver.Lock()|};
                    }

                    void Save()
                    {
                        using (LockHandle json = {|#3:_json.Lock()|})
                        using (LockHandle vm = {|#2:_vm.Lock()|})
                        {
                        }
                    }
                }
                """,
            FixedCode = """
                using Toolstack.Runtime;

                class Daemon
                {
                    private readonly DriverLock _driver = new();
                    private readonly DomainLock _vm = new("vm1");
                    private readonly JsonLock _json = new(new DomainUserdata("/tmp", "vm1"));

                    void Rename()
                    {
                        using var driver = _driver.Lock();
                        using var vm = _vm.Lock();
                    }

                    void Save()
                    {
                        using (LockHandle vm = _vm.Lock())
                        using (LockHandle json = _json.Lock())
                        {
                        }
                    }
                }
                """,
            CodeActionEquivalenceKey = Tsl1001ReorderFix.EquivalenceKey,
        };
        test.ExpectedDiagnostics.Add(Tsl1001(0, 1));
        test.ExpectedDiagnostics.Add(Tsl1001(2, 3));
        await test.RunAsync();
    }

    [Fact]
    public async Task FixAll_AcrossTwoDocuments()
    {
        var test = new VerifyCS.Test();
        test.TestState.Sources.Add(("A.cs", """
            using Toolstack.Runtime;

            class A
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                void Rename()
                {
                    using var vm = {|#1:_vm.Lock()|};
                    using var driver = {|#0:_driver.Lock()|};
                }
            }
            """));
        test.TestState.Sources.Add(("B.cs", """
            using Toolstack.Runtime;

            class B
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm2");

                void Rename()
                {
                    using ({|#3:_vm.Lock()|})
                    using (LockHandle driver = {|#2:_driver.Lock()|})
                    {
                        driver.Dispose();
                    }
                }
            }
            """));
        test.FixedState.Sources.Add(("A.cs", """
            using Toolstack.Runtime;

            class A
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                void Rename()
                {
                    using var driver = _driver.Lock();
                    using var vm = _vm.Lock();
                }
            }
            """));
        test.FixedState.Sources.Add(("B.cs", """
            using Toolstack.Runtime;

            class B
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm2");

                void Rename()
                {
                    using (LockHandle driver = _driver.Lock())
                    using (_vm.Lock())
                    {
                        driver.Dispose();
                    }
                }
            }
            """));
        test.ExpectedDiagnostics.Add(Tsl1001(0, 1));
        test.ExpectedDiagnostics.Add(Tsl1001(2, 3));
        await test.RunAsync();
    }

    // ---- no fix ---------------------------------------------------------------------------

    [Fact]
    public async Task NotAdjacent_NoFix()
    {
        const string source = """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");
                private int _renames;

                void Rename()
                {
                    using var vm = {|#1:_vm.Lock()|};
                    _renames++;
                    using var driver = {|#0:_driver.Lock()|};
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, Tsl1001(0, 1), source);
    }

    [Fact]
    public async Task TwoDomains_SameLevel_NoFix()
    {
        const string source = """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Migrate()
                {
                    using var a = {|#1:_vm1.Lock()|};
                    using var b = {|#0:_vm2.Lock()|};
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, Tsl1001(0, 1), source);
    }

    [Fact]
    public async Task SameLockTwice_NoFix()
    {
        const string source = """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");

                void Twice()
                {
                    using ({|#1:_vm1.Lock()|})
                    using ({|#0:_vm1.Lock()|})
                    {
                    }
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, Tsl1001(0, 1), source);
    }

    [Fact]
    public async Task InitializerUsesTheOther_NoFix()
    {
        const string source = """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                DriverLock DriverFor(LockHandle domain) => _driver;

                void Rename()
                {
                    using var vm = {|#1:_vm.Lock()|};
                    using var driver = {|#0:DriverFor(vm).Lock()|};
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, Tsl1001(0, 1), source);
    }

    [Fact]
    public async Task NestedUsings_WithAStatementBetween_NoFix()
    {
        const string source = """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");
                private int _renames;

                void Rename()
                {
                    using (_vm.Lock())
                    {
                        _renames++;
                        using ({|#0:_driver.Lock()|})
                        {
                        }
                    }
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source,
            Tsl1001(0, 11, 16), source);
    }

    [Fact]
    public async Task UsingDeclarationBeforeUsingStatement_NoFix()
    {
        // Swapping would take the domain lock after the driver's scope ends: not the same code.
        const string source = """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");
                private int _renames;

                void Rename()
                {
                    using var vm = {|#1:_vm.Lock()|};
                    using ({|#0:_driver.Lock()|})
                    {
                        _renames++;
                    }
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, Tsl1001(0, 1), source);
    }

    [Fact]
    public async Task JsonThenDriver_NoFix()
    {
        // Swapped, JsonLock.Lock (which may wait on another process) would run under the driver
        // lock: TSL1002. No order of these two is right; the JSON lock must be dropped first.
        const string source = """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly JsonLock _json = new(new DomainUserdata("/tmp", "vm1"));

                void Save()
                {
                    using var json = {|#1:_json.Lock()|};
                    using var driver = {|#0:_driver.Lock()|};
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, Tsl1001(0, 1), source);
    }

    [Fact]
    public async Task TakenThroughAHelper_NoFix()
    {
        const string source = """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");
                private int _touches;

                void Touch()
                {
                    using var driver = {|#2:_driver.Lock()|};
                    _touches++;
                }

                void Rename()
                {
                    using var vm = {|#1:_vm.Lock()|};
                    {|#0:Touch()|};
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, Tsl1001(0, 1).WithLocation(2), source);
    }
    // ---- the user's list of blocking APIs -------------------------------------------------

    [Fact]
    public async Task HeldAcquisitionInUsersBlockingList_NotSwapped()
    {
        // UsingDeclarations_Swapped, with DomainLock.Lock on the project's blocking list: swapped,
        // the domain lock would be waited for under the driver lock. The fix reads the list as
        // the analyzer does.
        var test = new VerifyCS.Test { TestCode = DomainThenDriver, FixedCode = DomainThenDriver };
        test.TestState.AdditionalFiles.Add(("ToolstackBlockingApis.txt", "Toolstack.Runtime.DomainLock.Lock"));
        test.ExpectedDiagnostics.Add(Tsl1001(0, 1));
        await test.RunAsync();
    }
}
