using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Toolstack.Bench.EmptyAnalyzer;

/// <summary>
/// The floor for the analyzer benchmark: the same registrations as Toolstack's LockAnalyzer
/// (concurrent, no generated code, a compilation start action that registers an operation block
/// action), with callbacks that do nothing. Registering an operation block action is what makes
/// Roslyn build the operation trees, so this isolates what Toolstack's own work costs.
/// Keep it in step with Analyzers/LockAnalyzer.cs when that changes what it registers.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class EmptyLockAnalyzer : DiagnosticAnalyzer
{
    private static readonly DiagnosticDescriptor Never = new(
        "TSLBENCH0", "never reported", "never reported", "Benchmark", DiagnosticSeverity.Hidden, isEnabledByDefault: true);

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Never);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
            start.RegisterOperationBlockAction(static _ => { }));
    }
}
