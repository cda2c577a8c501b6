using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Toolstack.Analyzers.Tests.Verifiers;
using Toolstack.TestSupport;

namespace Toolstack.Analyzers.Tests.Runtime;

/// <summary>
/// TSL1011 on the runtime's own CD-ROM hot-plug. The runtime's build does not run the analyzer on
/// itself, so these tests compile the runtime's sources (Runtime/**/*.cs) through it: the real
/// <c>CdromHotplug</c> must pass, and its mutants must not.
/// </summary>
public class CdromHotplugInvariantTests
{
    private const string HotplugFile = "CdromHotplug.cs";

    [Fact]
    public async Task CdromHotplug_AsShipped_DoesNotReport()
    {
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeRuntimeAsync(source => source);

        Assert.Empty(diagnostics.Where(d => d.Id == "TSL1011"));
    }

    [Fact]
    public async Task RuntimeSources_AsShipped_AnalyzerNeverThrows()
    {
        // The whole runtime is a large, real input: an exception in any part of the engine shows here as AD0001.
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeRuntimeAsync(source => source);

        Assert.Empty(diagnostics.Where(d => d.Id == "AD0001").Select(d => d.GetMessage()));
    }

    [Fact]
    public async Task RuntimeSources_AsShipped_HaveNoTslDiagnostics()
    {
        // The runtime follows its own rules: every TSL diagnostic in it is a defect, a missing
        // declaration, or an exception suppressed at its line with the reason.
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeRuntimeAsync(source => source);

        string[] offenders = diagnostics
            .Where(d => d.Id.StartsWith("TSL", StringComparison.Ordinal))
            .Select(d => $"{Path.GetFileName(d.Location.GetLineSpan().Path)}:{d.Location.GetLineSpan().StartLinePosition.Line + 1}: {d.Id} {d.GetMessage()}")
            .ToArray();
        Assert.True(offenders.Length == 0, "TSL diagnostics in the runtime's own sources:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public async Task CdromHotplug_AddFdBeforeRecordingPending_Reports()
    {
        // Steps swapped: the pending medium is recorded only after add-fd gave QEMU its descriptor.
        const string Record = """
                    RecordInConfig(jsonLock, device, disk =>
                    {
                        // Re-checked under the JsonLock: the config may have changed since the first read.
                        RequireCdrom(domain, disk, device);
                        created = disk is null;
                        return (disk ?? NewCdrom(device)) with { Pending = pending };
                    });

            """;
        const string AfterAddFd = "        // Someone else may have made a set with this id since it was chosen";
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeRuntimeAsync(source =>
            Mutate(Mutate(source, Record, string.Empty), AfterAddFd, Record + AfterAddFd));

        Diagnostic found = Assert.Single(diagnostics, d => d.Id == "TSL1011");
        Assert.Contains("'ChangeMediumAsync' adds to the primary config", found.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("QmpLock 'slowLock'", found.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CdromHotplug_ConfigClearedBeforeEject_Reports()
    {
        // The converse: the config forgets the medium while QEMU still holds it.
        const string Forget = "            ForgetInConfig(jsonLock, device, disk => (disk ?? NewCdrom(device)) with { Medium = null, Pending = null });\n";
        const string Eject = "            await qmp.EjectAsync(device, force, ct).ConfigureAwait(false);\n";
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeRuntimeAsync(source =>
            Mutate(Mutate(source, Forget, string.Empty), Eject, Forget + Eject));

        Diagnostic found = Assert.Single(diagnostics, d => d.Id == "TSL1011");
        Assert.Contains("'ForgetInConfig' removes from the JSON config", found.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CdromHotplug_SlowLockDroppedBetweenRecordAndChange_Reports()
    {
        // The two JSON windows of an insert (record pending, finalise) with the slow lock released
        // and re-taken in between: the second holder never made the JSON describe the medium.
        const string Change = "            await ChangeMediumAsync(domain, qmp, jsonLock, device, path, image, ct).ConfigureAwait(false);\n";
        const string Dropped = """
                        await SettlePendingAsync(qmp, jsonLock, device, ct).ConfigureAwait(false);
                        RecordPendingOnly(jsonLock, device);
                        await slow.DisposeAsync().ConfigureAwait(false);
                        await using LockHandle again = await slowLock.LockAsync(ct).ConfigureAwait(false);
                        await qmp.BlockdevChangeMediumAsync(device, path, format: "raw", QmpReadOnlyMode.ReadOnly, ct).ConfigureAwait(false);

            """;
        const string Helper = """
                [DescribesInJsonConfig]
                private static void RecordPendingOnly(JsonLock jsonLock, string device) =>
                    UpdateDisk(jsonLock, device, disk => disk);

                private static DiskConfig NewCdrom(
            """;
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeRuntimeAsync(source =>
            Mutate(Mutate(Mutate(source, "            await SettlePendingAsync(qmp, jsonLock, device, ct).ConfigureAwait(false);\n" + Change, Dropped),
                "    private static DiskConfig NewCdrom(", Helper), "        await using LockHandle slow = await slowLock.LockAsync(ct).ConfigureAwait(false);\n        QmpClient qmp = MonitorOf(domain);\n        // Refusals first",
                "        LockHandle slow = await slowLock.LockAsync(ct).ConfigureAwait(false);\n        QmpClient qmp = MonitorOf(domain);\n        // Refusals first"));

        Diagnostic found = Assert.Single(diagnostics, d => d.Id == "TSL1011");
        Assert.Contains("'BlockdevChangeMediumAsync' adds to the primary config", found.GetMessage(), StringComparison.Ordinal);
    }

    private static string Mutate(string source, string from, string to)
    {
        Assert.Equal(1, source.Split(from).Length - 1);
        return source.Replace(from, to, StringComparison.Ordinal);
    }

    /// <summary>The analyzer's diagnostics for the runtime's sources, CdromHotplug.cs changed by <paramref name="mutate"/>.</summary>
    private static async Task<ImmutableArray<Diagnostic>> AnalyzeRuntimeAsync(Func<string, string> mutate)
    {
        string runtime = Path.Combine(Repository.Root(), "Runtime");
        var trees = new List<SyntaxTree>();
        foreach (string file in Directory.EnumerateFiles(runtime, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(runtime, file);
            // Cluster/ is its own project (Toolstack.Runtime.Cluster, excluded from this one's items).
            if (relative.StartsWith("obj", StringComparison.Ordinal) || relative.StartsWith("bin", StringComparison.Ordinal)
                || relative.StartsWith("Cluster", StringComparison.Ordinal))
            {
                continue;
            }

            string text = await File.ReadAllTextAsync(file);
            trees.Add(CSharpSyntaxTree.ParseText(Path.GetFileName(file) == HotplugFile ? mutate(text) : text,
                new CSharpParseOptions(LanguageVersion.Latest), path: file));
        }

        var references = (await TestReferences.Net10.ResolveAsync(LanguageNames.CSharp, CancellationToken.None)).ToList();
        references.Add(MetadataReference.CreateFromFile(typeof(Mono.Unix.Native.Syscall).Assembly.Location));
        var compilation = CSharpCompilation.Create("Toolstack.Runtime", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
                allowUnsafe: true));
        // CS8795: the [LibraryImport] stubs come from a source generator this compilation does not run.
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS8795"));
        return await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new LockAnalyzer()))
            .GetAnalyzerDiagnosticsAsync();
    }
}
