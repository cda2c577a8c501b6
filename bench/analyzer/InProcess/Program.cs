using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Diagnostics.Telemetry;
using Toolstack.Analyzers;

namespace Toolstack.Bench.InProcess;

/// <summary>
/// Usage: InProcess CORPUS-DIR RUNTIME-DLL [--reps N]. Each repetition compiles the corpus afresh
/// (so the analyzer pays for the IOperation trees and graphs it asks for, as in a real build) and
/// prints Roslyn's accounting of the analyzer's time and the wall time of the analyzer pass.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: InProcess CORPUS-DIR RUNTIME-DLL [--reps N]");
            return 2;
        }

        int at = Array.IndexOf(args, "--reps");
        int reps = at >= 0 ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : 5;
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        List<SyntaxTree> trees = Directory.EnumerateFiles(args[0], "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal))
            .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, f)).ToList();
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
        references.Add(MetadataReference.CreateFromFile(args[1]));

        var times = new List<double>();
        var cpus = new List<double>();
        for (int r = 0; r < reps; r++)
        {
            CSharpCompilation compilation = CSharpCompilation.Create("Corpus", trees, references,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
            var analyzer = new LockAnalyzer();
            var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: true);
            var withAnalyzers = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(analyzer), options);
            // CPU time too: on a shared machine Roslyn's accounting (wall time of the callbacks) swings with the load.
            TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            // Allocation and collections barely depend on the load: what to compare on a busy machine.
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            int gcsBefore = GC.CollectionCount(0);
            var watch = Stopwatch.StartNew();
            ImmutableArray<Diagnostic> diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None).Result;
            watch.Stop();
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds;
            double allocatedMb = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / 1048576.0;
            int gcs = GC.CollectionCount(0) - gcsBefore;
            cpus.Add(cpu);
            AnalyzerTelemetryInfo info = withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None).Result;
            times.Add(info.ExecutionTime.TotalMilliseconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"rep {r + 1}: analyzer {info.ExecutionTime.TotalMilliseconds:F0} ms (Roslyn's accounting), pass {watch.ElapsedMilliseconds} ms wall, {cpu:F0} ms CPU, {allocatedMb:F0} MB allocated, {gcs} gen0 GCs, {diagnostics.Length} diagnostics"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"analyzer {Median(times)} ms, pass CPU {Median(cpus)} ms, over {reps} (median (min..max))"));
        return 0;
    }

    private static string Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return string.Create(CultureInfo.InvariantCulture, $"{sorted[(sorted.Count - 1) / 2]:F0} ({sorted[0]:F0}..{sorted[^1]:F0})");
    }
}
