namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// Small stand-ins the rule tests declare in their sources for the runtime's QmpClient and Domain,
/// so that each test shows the attributes it relies on. Appended after a test's own code, so the
/// markup positions above are unaffected; the test source needs <c>using System.Threading;</c>,
/// <c>using System.Threading.Tasks;</c> and <c>using Toolstack.Runtime;</c>.
/// </summary>
internal static class RuleSources
{
    /// <summary>
    /// <c>QmpMonitor</c>: a QMP-like client whose call is <c>[RequiresUnlocked]</c>;
    /// <c>Domain</c>: libvirt's monitor pattern — entering the monitor needs and releases the
    /// domain's <c>StateLock</c>, leaving it re-takes the lock;
    /// <c>DomainState</c>: state guarded by its <c>Guard</c> lock (<c>[RequiresLock]</c>).
    /// </summary>
    public const string DomainTypes = """

        sealed class QmpMonitor
        {
            [RequiresUnlocked]
            public Task StopAsync(CancellationToken ct = default) => Task.CompletedTask;
        }

        sealed class Domain
        {
            public Domain(string name) => StateLock = new DomainLock(name);

            public DomainLock StateLock { get; }

            public QmpMonitor Monitor { get; } = new();

            [RequiresLock(typeof(DomainLock), Lock = nameof(StateLock))]
            [ReleasesLock(typeof(DomainLock), Lock = nameof(StateLock))]
            public void EnterMonitor() { }

            [AcquiresLock(typeof(DomainLock), Lock = nameof(StateLock))]
            public void ExitMonitor() { }
        }

        sealed class DomainState
        {
            public DomainState(DomainLock guard) => Guard = guard;

            public DomainLock Guard { get; }

            public string Status { get; private set; } = "running";

            [RequiresLock(typeof(DomainLock), Lock = nameof(Guard))]
            public int Generation { get; set; }

            [RequiresLock(typeof(DomainLock), Lock = nameof(Guard))]
            public void MarkPaused() => Status = "paused";
        }
        """;

    /// <summary><paramref name="source"/> followed by <see cref="DomainTypes"/>.</summary>
    public static string WithDomainTypes(string source) => source + "\n" + DomainTypes + "\n";
}
