using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Toolstack.Analyzers.Model;

internal sealed partial class LockModel
{
    // Per compilation, one model per content of the user's blocking list: the analyzer and the
    // code fixes ask with the same compilation and options and get the same model. The table
    // holds the compilation weakly, so a model lives no longer than its compilation.
    private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<string, LockModel?>> s_shared =
        new ConditionalWeakTable<Compilation, ConcurrentDictionary<string, LockModel?>>();

    /// <summary>
    /// The model of <paramref name="compilation"/> with the blocking APIs <paramref name="options"/>
    /// add (its <c>ToolstackBlockingApis.txt</c>), built once and shared; null when the compilation
    /// does not reference the runtime.
    /// </summary>
    public static LockModel? For(Compilation compilation, AnalyzerOptions options, CancellationToken ct)
    {
        BlockingApis blockingApis = BlockingApis.Create(options.AdditionalFiles, ct);
        ConcurrentDictionary<string, LockModel?> models =
            s_shared.GetValue(compilation, _ => new ConcurrentDictionary<string, LockModel?>());
        return models.GetOrAdd(blockingApis.UserEntries, _ => TryCreate(compilation, blockingApis));
    }
}
