using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Toolstack.Analyzers.Tests.Verifiers;

/// <summary>The one façade tests use: <c>using VerifyCS = CSharpVerifier&lt;LockAnalyzer&gt;;</c>.</summary>
public static class CSharpVerifier<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static DiagnosticResult Diagnostic(string id) =>
        CSharpAnalyzerVerifier<TAnalyzer, DefaultVerifier>.Diagnostic(id);

    /// <summary>Analyses <paramref name="source"/> (with the runtime referenced) and expects exactly <paramref name="expected"/>.</summary>
    public static Task VerifyAnalyzerAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new Test { TestCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>Like <see cref="VerifyAnalyzerAsync"/>, without the runtime referenced.</summary>
    public static Task VerifyWithoutRuntimeAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new Test(referenceRuntime: false) { TestCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    public sealed class Test : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    {
        public Test() : this(referenceRuntime: true) { }

        public Test(bool referenceRuntime)
        {
            ReferenceAssemblies = TestReferences.Net10;
            if (referenceRuntime)
            {
                TestState.AdditionalReferences.Add(TestReferences.Runtime);
            }
        }
    }
}
