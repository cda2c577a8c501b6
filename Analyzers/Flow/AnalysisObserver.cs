using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// Sees what the analyzer computes, as it computes it: the lock-graph tool reads the same engine
/// results the rules read, so its picture and the diagnostics can never disagree. Called
/// concurrently (the analyzer runs methods in parallel).
/// </summary>
internal abstract class AnalysisObserver
{
    /// <summary>The analyzer's own: observes nothing.</summary>
    public static AnalysisObserver None { get; } = new NoObserver();

    /// <summary>A compilation that references the runtime starts, with its model.</summary>
    public abstract void CompilationStarted(Compilation compilation, LockModel model);

    /// <summary>One method, local function or lambda was analysed (each once).</summary>
    public abstract void Analyzed(MethodAnalysis analysis);

    private sealed class NoObserver : AnalysisObserver
    {
        public override void CompilationStarted(Compilation compilation, LockModel model)
        {
        }

        public override void Analyzed(MethodAnalysis analysis)
        {
        }
    }
}
