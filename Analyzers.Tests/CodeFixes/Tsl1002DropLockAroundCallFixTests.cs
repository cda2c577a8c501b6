using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Toolstack.Analyzers.LockAnalyzer, Toolstack.CodeFixes.Tsl1002DropLockAroundCallFix>;

namespace Toolstack.Analyzers.Tests.CodeFixes;

/// <summary>
/// TSL1002's fix: drop the driver lock around the blocking call. An assignable handle local is
/// released before the statement and re-taken after; a <c>using</c> scope is split around it.
/// </summary>
public class Tsl1002DropLockAroundCallFixTests
{
    private static DiagnosticResult Tsl1002(int location, int held) =>
        new DiagnosticResult("TSL1002", DiagnosticSeverity.Warning).WithLocation(location).WithLocation(held);

    // ---- an assignable handle -------------------------------------------------------------

    [Fact]
    public async Task HandleLocal_TryFinally_UnlockAndRelock()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private int _waiting;

                void Settle()
                {
                    LockHandle d = {|#1:_driver.Lock()|};
                    try
                    {
                        _waiting++;
                        // let QEMU settle
                        {|#0:Thread.Sleep(100)|}; // not under the lock
                        _waiting--;
                    }
                    finally
                    {
                        _driver.Unlock(d);
                    }
                }
            }
            """,
            Tsl1002(0, 1),
            """
            using System.Threading;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private int _waiting;

                void Settle()
                {
                    LockHandle d = _driver.Lock();
                    try
                    {
                        _waiting++;
                        // let QEMU settle
                        _driver.Unlock(d);
                        try
                        {
                            Thread.Sleep(100); // not under the lock
                        }
                        finally
                        {
                            d = _driver.Lock();
                        }
                        _waiting--;
                    }
                    finally
                    {
                        _driver.Unlock(d);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task HandleLocal_InALoop_UnlockAndRelockEachTime()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System.Collections.Generic;
            using System.Threading;
            using Toolstack.Runtime;

            public sealed class Driver
            {
                private readonly DriverLock _driver = new();
                private readonly Dictionary<string, bool> _running = new();

                public void ForgetWhenStopped(string name)
                {
                    LockHandle driver = {|#1:_driver.Lock()|};
                    try
                    {
                        while (_running[name])
                        {
                            {|#0:Thread.Sleep(100)|};
                        }

                        _running.Remove(name);
                    }
                    finally
                    {
                        _driver.Unlock(driver);
                    }
                }
            }
            """,
            Tsl1002(0, 1),
            """
            using System.Collections.Generic;
            using System.Threading;
            using Toolstack.Runtime;

            public sealed class Driver
            {
                private readonly DriverLock _driver = new();
                private readonly Dictionary<string, bool> _running = new();

                public void ForgetWhenStopped(string name)
                {
                    LockHandle driver = _driver.Lock();
                    try
                    {
                        while (_running[name])
                        {
                            _driver.Unlock(driver);
                            try
                            {
                                Thread.Sleep(100);
                            }
                            finally
                            {
                                driver = _driver.Lock();
                            }
                        }

                        _running.Remove(name);
                    }
                    finally
                    {
                        _driver.Unlock(driver);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task HandleAssigned_LocalDeclarationStatement_UnlockAndRelock()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private int _last;

                void Collect(Task<int> pending)
                {
                    LockHandle d;
                    d = {|#1:_driver.Lock()|};
                    try
                    {
                        int value = {|#0:pending.Result|};
                        _last = value;
                    }
                    finally
                    {
                        _driver.Unlock(d);
                    }
                }
            }
            """,
            Tsl1002(0, 1),
            """
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private int _last;

                void Collect(Task<int> pending)
                {
                    LockHandle d;
                    d = _driver.Lock();
                    try
                    {
                        int value;
                        _driver.Unlock(d);
                        try
                        {
                            value = pending.Result;
                        }
                        finally
                        {
                            d = _driver.Lock();
                        }
                        _last = value;
                    }
                    finally
                    {
                        _driver.Unlock(d);
                    }
                }
            }
            """);
    }

    // ---- a using scope --------------------------------------------------------------------

    [Fact]
    public async Task UsingStatement_SplitAroundTheCall_HandleRenamedInTheSecond()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private int _generation;

                void Settle()
                {
                    using (LockHandle d = {|#1:_driver.Lock()|})
                    {
                        int before = _generation;
                        _generation = before + 1;
                        {|#0:Thread.Sleep(100)|};

                        _generation++;
                        System.Console.WriteLine(d.IsHeld);
                    }
                }
            }
            """,
            Tsl1002(0, 1),
            """
            using System.Threading;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private int _generation;

                void Settle()
                {
                    using (LockHandle d = _driver.Lock())
                    {
                        int before = _generation;
                        _generation = before + 1;
                    }

                    Thread.Sleep(100);
                    using (LockHandle d2 = _driver.Lock())
                    {
                        _generation++;
                        System.Console.WriteLine(d2.IsHeld);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task UsingStatement_CallFirst_LockTakenAfter()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private int _generation;

                void Settle()
                {
                    using (var d = {|#1:_driver.Lock()|})
                    {
                        {|#0:Thread.Sleep(100)|};
                        _generation++;
                    }
                }
            }
            """,
            Tsl1002(0, 1),
            """
            using System.Threading;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private int _generation;

                void Settle()
                {
                    Thread.Sleep(100);
                    using (var d = _driver.Lock())
                    {
                        _generation++;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task UsingStatement_CallLast_LockGivenUpBefore()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private int _generation;

                void Settle()
                {
                    using (_driver.Lock())
                    {
                        _generation++;
                        {|#0:Thread.Sleep(100)|};
                    }

                    _generation--;
                }
            }
            """,
            new DiagnosticResult("TSL1002", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(11, 16),
            """
            using System.Threading;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private int _generation;

                void Settle()
                {
                    using (_driver.Lock())
                    {
                        _generation++;
                    }

                    Thread.Sleep(100);

                    _generation--;
                }
            }
            """);
    }

    [Fact]
    public async Task UsingDeclaration_SplitIntoAScopeAndADeclaration()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private int _generation;

                void Settle()
                {
                    using LockHandle driver = {|#1:_driver.Lock()|};
                    _generation++;
                    if (_generation > 10)
                    {
                        _generation = 0;
                    }

                    {|#0:Thread.Sleep(100)|};
                    _generation++;
                    System.Console.WriteLine(driver.IsHeld);
                }
            }
            """,
            Tsl1002(0, 1),
            """
            using System.Threading;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private int _generation;

                void Settle()
                {
                    using (LockHandle driver = _driver.Lock())
                    {
                        _generation++;
                        if (_generation > 10)
                        {
                            _generation = 0;
                        }
                    }

                    Thread.Sleep(100);
                    using LockHandle driver2 = _driver.Lock();
                    _generation++;
                    System.Console.WriteLine(driver2.IsHeld);
                }
            }
            """);
    }

    // ---- Fix All --------------------------------------------------------------------------

    [Fact]
    public async Task FixAll_SeveralInOneDocument()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private int _generation;

                void Settle()
                {
                    LockHandle d = {|#1:_driver.Lock()|};
                    try
                    {
                        {|#0:Thread.Sleep(10)|};
                        _generation++;
                        {|#2:Thread.Sleep(20)|};
                    }
                    finally
                    {
                        _driver.Unlock(d);
                    }
                }

                void Wait()
                {
                    using (_driver.Lock())
                    {
                        _generation++;
                        {|#3:Thread.Sleep(30)|};
                    }
                }
            }
            """,
            new[]
            {
                Tsl1002(0, 1),
                Tsl1002(2, 1),
                new DiagnosticResult("TSL1002", DiagnosticSeverity.Warning).WithLocation(3).WithLocation(26, 16),
            },
            """
            using System.Threading;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private int _generation;

                void Settle()
                {
                    LockHandle d = _driver.Lock();
                    try
                    {
                        _driver.Unlock(d);
                        try
                        {
                            Thread.Sleep(10);
                        }
                        finally
                        {
                            d = _driver.Lock();
                        }
                        _generation++;
                        _driver.Unlock(d);
                        try
                        {
                            Thread.Sleep(20);
                        }
                        finally
                        {
                            d = _driver.Lock();
                        }
                    }
                    finally
                    {
                        _driver.Unlock(d);
                    }
                }

                void Wait()
                {
                    using (_driver.Lock())
                    {
                        _generation++;
                    }

                    Thread.Sleep(30);
                }
            }
            """);
    }

    [Fact]
    public async Task FixAll_AcrossTwoDocuments()
    {
        var test = new VerifyCS.Test();
        test.TestState.Sources.Add(("A.cs", """
            using System.Threading;
            using Toolstack.Runtime;

            class A
            {
                private readonly DriverLock _driver = new();
                private int _generation;

                void Settle()
                {
                    using var d = {|#1:_driver.Lock()|};
                    {|#0:Thread.Sleep(10)|};
                    _generation++;
                }
            }
            """));
        test.TestState.Sources.Add(("B.cs", """
            using System.Threading;
            using Toolstack.Runtime;

            class B
            {
                private readonly DriverLock _driver = new();

                void Settle()
                {
                    LockHandle d = {|#3:_driver.Lock()|};
                    try
                    {
                        {|#2:Thread.Sleep(10)|};
                    }
                    finally
                    {
                        _driver.Unlock(d);
                    }
                }
            }
            """));
        test.FixedState.Sources.Add(("A.cs", """
            using System.Threading;
            using Toolstack.Runtime;

            class A
            {
                private readonly DriverLock _driver = new();
                private int _generation;

                void Settle()
                {
                    Thread.Sleep(10);
                    using var d = _driver.Lock();
                    _generation++;
                }
            }
            """));
        test.FixedState.Sources.Add(("B.cs", """
            using System.Threading;
            using Toolstack.Runtime;

            class B
            {
                private readonly DriverLock _driver = new();

                void Settle()
                {
                    LockHandle d = _driver.Lock();
                    try
                    {
                        _driver.Unlock(d);
                        try
                        {
                            Thread.Sleep(10);
                        }
                        finally
                        {
                            d = _driver.Lock();
                        }
                    }
                    finally
                    {
                        _driver.Unlock(d);
                    }
                }
            }
            """));
        test.ExpectedDiagnostics.Add(Tsl1002(0, 1));
        test.ExpectedDiagnostics.Add(Tsl1002(2, 3));
        await test.RunAsync();
    }

    // ---- no fix ---------------------------------------------------------------------------

    [Fact]
    public async Task UsingDeclaration_CallInALoop_NoFix()
    {
        // The using variable cannot be re-assigned, and the call is not a statement of its scope.
        const string source = """
            using System.Collections.Generic;
            using System.Threading;
            using Toolstack.Runtime;

            public sealed class Driver
            {
                private readonly DriverLock _driver = new();
                private readonly Dictionary<string, bool> _running = new();

                public void ForgetWhenStopped(string name)
                {
                    using LockHandle driver = {|#1:_driver.Lock()|};
                    while (_running[name])
                    {
                        {|#0:Thread.Sleep(100)|};
                    }

                    _running.Remove(name);
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, Tsl1002(0, 1), source);
    }

    [Fact]
    public async Task UsingStatement_VariableOfTheFirstPartUsedAfter_NoFix()
    {
        const string source = """
            using System.Threading;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private int _generation;

                void Settle()
                {
                    using (_driver.Lock())
                    {
                        int before = _generation;
                        {|#0:Thread.Sleep(100)|};
                        _generation = before + 1;
                    }
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source,
            new DiagnosticResult("TSL1002", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(11, 16), source);
    }

    [Fact]
    public async Task CallInACondition_NoFix()
    {
        const string source = """
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private int _generation;

                void Collect(Task<int> pending)
                {
                    LockHandle d = {|#1:_driver.Lock()|};
                    try
                    {
                        if ({|#0:pending.Result|} > 0)
                        {
                            _generation++;
                        }
                    }
                    finally
                    {
                        _driver.Unlock(d);
                    }
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, Tsl1002(0, 1), source);
    }

    [Fact]
    public async Task StatementUsesTheHandle_NoFix()
    {
        const string source = """
            using System.Threading;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();

                static void Nap(LockHandle proof) => {|#2:Thread.Sleep(10)|};

                void Settle()
                {
                    LockHandle d = {|#1:_driver.Lock()|};
                    try
                    {
                        {|#0:Nap(d)|};
                    }
                    finally
                    {
                        _driver.Unlock(d);
                    }
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, Tsl1002(0, 1).WithLocation(2), source);
    }

    [Fact]
    public async Task TakingTheJsonLock_NoFix()
    {
        // Releasing the driver lock around JsonLock.Lock would take it back under the JSON lock.
        const string source = """
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private readonly JsonLock _json = new(new DomainUserdata("/tmp", "vm1"));

                void Save()
                {
                    using (LockHandle d = {|#1:_driver.Lock()|})
                    {
                        using LockHandle json = {|#0:_json.Lock()|};
                    }
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, Tsl1002(0, 1), source);
    }

    [Fact]
    public async Task InnerLockHeld_NoFix()
    {
        // Re-taking the driver lock while the domain lock is still held would be out of order.
        const string source = """
            using System.Threading;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                void Settle()
                {
                    LockHandle d = {|#1:_driver.Lock()|};
                    try
                    {
                        using LockHandle vm = _vm.Lock();
                        {|#0:Thread.Sleep(100)|};
                    }
                    finally
                    {
                        _driver.Unlock(d);
                    }
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, Tsl1002(0, 1), source);
    }

    [Fact]
    public async Task LockHeldByTheCaller_NoFix()
    {
        // [RequiresLock]: the lock is the caller's; there is no acquisition here to work with.
        const string source = """
            using System.Threading;
            using Toolstack.Runtime;

            class Driver
            {
                private readonly DriverLock _driver = new();

                [RequiresLock(typeof(DriverLock), Lock = nameof(_driver))]
                void {|#1:Settle|}()
                {
                    {|#0:Thread.Sleep(100)|};
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, Tsl1002(0, 1), source);
    }

    [Fact]
    public async Task LockHeldOnlyWhenBoolIsTrue_NoFix()
    {
        // Correlated branches: the lock is not there on every path to drop and re-take.
        const string source = """
            using System.Threading;
            using Toolstack.Runtime;

            public sealed class Driver
            {
                private readonly DriverLock _driver = new();

                public void Run(bool take)
                {
                    LockHandle h = default!;
                    if (take) h = {|#1:_driver.Lock()|};
                    {|#0:Thread.Sleep(1)|};
                    if (take) _driver.Unlock(h);
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver' (when 'take' is true)"),
            source);
    }
}
