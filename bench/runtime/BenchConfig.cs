using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Toolstack.Bench.Runtime;

/// <summary>
/// One in-process job (no generated project to build: the suite finishes in minutes), short but
/// with enough iterations for a median and min–max on a shared, noisy machine.
/// </summary>
internal static class BenchConfig
{
    internal static IConfig Create() =>
        ManualConfig.CreateEmpty()
            .AddJob(Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithLaunchCount(1)
                .WithWarmupCount(3)
                .WithIterationCount(10)
                .WithId("InProcess"))
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(StatisticColumn.Median, StatisticColumn.Min, StatisticColumn.Max,
                       BaselineRatioColumn.RatioMean, BaselineRatioColumn.RatioStdDev)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
            .AddExporter(BenchmarkDotNet.Exporters.MarkdownExporter.GitHub)
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
}
