using Microsoft.CodeAnalysis.Testing;
using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Toolstack.Analyzers.LockAnalyzer, Toolstack.CodeFixes.Tsl1003ReleaseThroughIssuerFix>;

namespace Toolstack.Analyzers.Tests.CodeFixes;

/// <summary>The fix for TSL1003 (released through another lock): release through the lock that issued the handle.</summary>
public class Tsl1003ReleaseThroughIssuerFixTests
{
    private static DiagnosticResult WrongRelease(int release, int acquisition, string issuer, string releaser) =>
        VerifyCS.Diagnostic("TSL1003").WithLocation(release).WithLocation(acquisition).WithArguments(issuer, releaser);

    [Fact]
    public async Task OtherDomainField_InFinally_ReleasesThroughIssuer()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");
                private int _generation;

                void Refresh()
                {
                    LockHandle vm = {|#1:_vm1.Lock()|};
                    try
                    {
                        _generation++;
                    }
                    finally
                    {
                        {|#0:_vm2.Unlock(vm)|};
                    }
                }
            }
            """,
            WrongRelease(0, 1, "DomainLock '_vm1'", "DomainLock '_vm2'"),
            """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");
                private int _generation;

                void Refresh()
                {
                    LockHandle vm = _vm1.Lock();
                    try
                    {
                        _generation++;
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
    public async Task JsonHandle_ThroughQmpParameter_ReleasesThroughJson()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using Toolstack.Runtime;

            class Hotplug
            {
                void Save(JsonLock json, QmpLock qmp)
                {
                    LockHandle config = {|#1:json.Lock()|};
                    {|#0:qmp.Unlock(config)|};
                }
            }
            """,
            WrongRelease(0, 1, "JsonLock 'json'", "QmpLock 'qmp'"),
            """
            using Toolstack.Runtime;

            class Hotplug
            {
                void Save(JsonLock json, QmpLock qmp)
                {
                    LockHandle config = json.Lock();
                    json.Unlock(config);
                }
            }
            """);
    }

    [Fact]
    public async Task AwaitedSlowHandle_ThroughJsonLock_ReleasesThroughQmp()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                async Task InsertAsync(JsonLock json, QmpLock qmp)
                {
                    LockHandle slow = await {|#1:qmp.LockAsync()|};
                    try
                    {
                        await Task.Yield();
                    }
                    finally
                    {
                        {|#0:json.Unlock(slow)|};
                    }
                }
            }
            """,
            WrongRelease(0, 1, "QmpLock 'qmp'", "JsonLock 'json'"),
            """
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Hotplug
            {
                async Task InsertAsync(JsonLock json, QmpLock qmp)
                {
                    LockHandle slow = await qmp.LockAsync();
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

    [Fact]
    public async Task HandleCopy_ThisQualifiedWrongLock_ReleasesThroughIssuer()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Refresh()
                {
                    LockHandle vm = {|#1:this._vm1.Lock()|};
                    LockHandle same = vm;
                    {|#0:this._vm2.Unlock(same)|};
                }
            }
            """,
            WrongRelease(0, 1, "DomainLock '_vm1'", "DomainLock '_vm2'"),
            """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Refresh()
                {
                    LockHandle vm = this._vm1.Lock();
                    LockHandle same = vm;
                    this._vm1.Unlock(same);
                }
            }
            """);
    }

    [Fact]
    public async Task InsideLambda_ReleasesThroughIssuer()
    {
        await VerifyCS.VerifyCodeFixAsync("""
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Refresh()
                {
                    Action work = () =>
                    {
                        LockHandle vm = {|#1:_vm1.Lock()|};
                        {|#0:_vm2.Unlock(vm)|};
                    };
                    work();
                }
            }
            """,
            WrongRelease(0, 1, "DomainLock '_vm1'", "DomainLock '_vm2'"),
            """
            using System;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Refresh()
                {
                    Action work = () =>
                    {
                        LockHandle vm = _vm1.Lock();
                        _vm1.Unlock(vm);
                    };
                    work();
                }
            }
            """);
    }

    // ---- Fix All --------------------------------------------------------------------------

    private const string TwoMethods = """
        using Toolstack.Runtime;

        class Daemon
        {
            private readonly DomainLock _vm1 = new("vm1");
            private readonly DomainLock _vm2 = new("vm2");

            void First()
            {
                LockHandle vm = {|#1:_vm1.Lock()|};
                {|#0:_vm2.Unlock(vm)|};
            }

            void Second(JsonLock json, QmpLock qmp)
            {
                LockHandle config = {|#3:json.Lock()|};
                {|#2:qmp.Unlock(config)|};
            }
        }
        """;

    private const string TwoMethodsFixed = """
        using Toolstack.Runtime;

        class Daemon
        {
            private readonly DomainLock _vm1 = new("vm1");
            private readonly DomainLock _vm2 = new("vm2");

            void First()
            {
                LockHandle vm = _vm1.Lock();
                _vm1.Unlock(vm);
            }

            void Second(JsonLock json, QmpLock qmp)
            {
                LockHandle config = json.Lock();
                json.Unlock(config);
            }
        }
        """;

    private static readonly DiagnosticResult[] TwoMethodsDiagnostics =
    {
        WrongRelease(0, 1, "DomainLock '_vm1'", "DomainLock '_vm2'"),
        WrongRelease(2, 3, "JsonLock 'json'", "QmpLock 'qmp'"),
    };

    [Fact]
    public async Task FixAll_InDocument_FixesEveryRelease()
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

            class Migration
            {
                void Move(DomainLock source, DomainLock target)
                {
                    LockHandle from = {|#5:source.Lock()|};
                    {|#4:target.Unlock(from)|};
                }
            }
            """));
        test.ExpectedDiagnostics.AddRange(TwoMethodsDiagnostics);
        test.ExpectedDiagnostics.Add(WrongRelease(4, 5, "DomainLock 'source'", "DomainLock 'target'"));
        test.FixedState.Sources.Add(("First.cs", TwoMethodsFixed));
        test.FixedState.Sources.Add(("Second.cs", """
            using Toolstack.Runtime;

            class Migration
            {
                void Move(DomainLock source, DomainLock target)
                {
                    LockHandle from = source.Lock();
                    source.Unlock(from);
                }
            }
            """));
        await test.RunAsync(CancellationToken.None);
    }

    // ---- no fix ---------------------------------------------------------------------------

    [Fact]
    public async Task HandleFromHelper_NoReceiver_NoFix()
    {
        const string source = """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                LockHandle LockVm1() => _vm1.Lock();

                void Refresh()
                {
                    LockHandle vm = {|#1:LockVm1()|};
                    {|#0:_vm2.Unlock(vm)|};
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, WrongRelease(0, 1, "DomainLock '_vm1'", "DomainLock '_vm2'"), source);
    }

    [Fact]
    public async Task IssuerIsMethodCall_NoFix()
    {
        const string source = """
            using Toolstack.Runtime;

            class Hotplug
            {
                private readonly JsonLock _json;

                Hotplug(JsonLock json) => _json = json;

                JsonLock Json() => _json;

                void Save(QmpLock qmp)
                {
                    LockHandle config = {|#1:Json().Lock()|};
                    {|#0:qmp.Unlock(config)|};
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, WrongRelease(0, 1, "JsonLock 'Json()'", "QmpLock 'qmp'"), source);
    }

    [Fact]
    public async Task IssuerShadowedAtRelease_NoFix()
    {
        const string source = """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Refresh()
                {
                    LockHandle vm = {|#1:_vm1.Lock()|};
                    {
                        DomainLock _vm1 = new("shadow");
                        {|#0:_vm2.Unlock(vm)|};
                    }
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, WrongRelease(0, 1, "DomainLock '_vm1'", "DomainLock '_vm2'"), source);
    }

    [Fact]
    public async Task HandleFromEitherOfTwoOtherLocks_NoFix()
    {
        const string source = """
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");
                private readonly DomainLock _vm3 = new("vm3");

                void Refresh(bool first)
                {
                    LockHandle vm = first ? {|#1:_vm1.Lock()|} : _vm2.Lock();
                    {|#0:_vm3.Unlock(vm)|};
                }
            }
            """;
        await VerifyCS.VerifyCodeFixAsync(source, WrongRelease(0, 1, "DomainLock '_vm1'", "DomainLock '_vm3'"), source);
    }
}
