using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Toolstack.Analyzers.Flow;
using Toolstack.Analyzers.Model;
using Toolstack.Analyzers.Rules;

namespace Toolstack.Analyzers;

/// <summary>
/// The Toolstack lock rules, TSL1001–TSL1011. Per compilation: the model is read from the
/// runtime's attributes (nothing at all happens without the runtime). Per method, lambda and
/// local function: the engine computes the lock states once, and every rule reads them.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LockAnalyzer : DiagnosticAnalyzer
{
    private readonly AnalysisObserver _observer;

    /// <summary>The analyzer as the compiler loads it.</summary>
    public LockAnalyzer()
        : this(AnalysisObserver.None)
    {
    }

    /// <summary>The analyzer with someone watching its results (the lock-graph tool).</summary>
    internal LockAnalyzer(AnalysisObserver observer) => _observer = observer;

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => Descriptors.All;

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            LockModel? model = LockModel.For(start.Compilation, start.Options, start.CancellationToken);
            if (model is null)
            {
                return;
            }

            _observer.CompilationStarted(start.Compilation, model);
            var analysis = new LockAnalysisContext(start.Compilation, model, start.CancellationToken);
            start.RegisterOperationBlockAction(block => AnalyzeBlock(block, analysis, _observer));
        });
    }

    private static void AnalyzeBlock(OperationBlockAnalysisContext context, LockAnalysisContext analysis, AnalysisObserver observer)
    {
        // Most code touches no lock: decided from the bound tree, before any graph is built.
        if (!analysis.Relevance.IsRelevant(context.OwningSymbol, context.OperationBlocks))
        {
            analysis.Statistics.BlockSkipped();
            return;
        }

        if (context.OwningSymbol is not IMethodSymbol method)
        {
            // Field and property initializers run no lock code themselves, but may create lambdas that do.
            foreach (IOperation block in context.OperationBlocks)
            {
                if (block is IFieldInitializerOperation or IPropertyInitializerOperation)
                {
                    AnalyzeLambdas(context.GetControlFlowGraph(block), analysis, observer, context);
                }
            }

            return;
        }

        // The blocks hang under one body (a method body, or a lone block for accessors and lambdas);
        // its graph is the method's.
        foreach (IOperation block in context.OperationBlocks)
        {
            IOperation root = block;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            if (root is IMethodBodyOperation or IConstructorBodyOperation or IBlockOperation)
            {
                AnalyzeGraph(method, context.GetControlFlowGraph(block), analysis, observer, context);
                return;
            }
        }
    }

    private static void AnalyzeGraph(IMethodSymbol method, ControlFlowGraph graph, LockAnalysisContext analysis,
        AnalysisObserver observer, OperationBlockAnalysisContext context)
    {
        analysis.Statistics.GraphBuilt();
        MethodAnalysis result = analysis.Analyze(method, graph);
        observer.Analyzed(result);
        LockRules.Check(result, context.ReportDiagnostic);

        foreach (IMethodSymbol localFunction in graph.LocalFunctions)
        {
            // A local function that reaches no lock reports nothing; its lambdas are in its own scan.
            if (!analysis.Relevance.MayInvolveLocks(localFunction))
            {
                continue;
            }

            AnalyzeGraph(localFunction, graph.GetLocalFunctionControlFlowGraph(localFunction, context.CancellationToken),
                analysis, observer, context);
        }

        AnalyzeLambdas(graph, analysis, observer, context);
    }

    private static void AnalyzeLambdas(ControlFlowGraph graph, LockAnalysisContext analysis, AnalysisObserver observer,
        OperationBlockAnalysisContext context)
    {
        foreach (BasicBlock block in graph.Blocks)
        {
            foreach (IOperation operation in block.Operations)
            {
                AnalyzeLambdasIn(operation, graph, analysis, observer, context);
            }

            if (block.BranchValue is not null)
            {
                AnalyzeLambdasIn(block.BranchValue, graph, analysis, observer, context);
            }
        }
    }

    private static void AnalyzeLambdasIn(IOperation operation, ControlFlowGraph graph, LockAnalysisContext analysis,
        AnalysisObserver observer, OperationBlockAnalysisContext context)
    {
        foreach (IOperation inner in operation.DescendantsAndSelf())
        {
            if (inner is IFlowAnonymousFunctionOperation lambda)
            {
                AnalyzeGraph(lambda.Symbol, graph.GetAnonymousFunctionControlFlowGraph(lambda, context.CancellationToken),
                    analysis, observer, context);
            }
        }
    }
}
