using System.Diagnostics;
using Toolstack.Soak.Support;

namespace Toolstack.Soak.Sections;

/// <summary>
/// The crash figure: the hot-plug child (<c>samples/Hotplug cycle</c>, inserting and ejecting in
/// a loop) is SIGKILLed at a random point, N times, spread over <see cref="Lanes"/> independent
/// lanes (<see cref="SigkillLane"/>). After each kill: take the QmpLock and the JsonLock again
/// (each within 5 s), query-block and query-fdsets through a second monitor, read the JSON
/// config, check that every medium and every fd set QEMU holds is described by the config, and
/// list the lock directory. After the last kill a new child must complete two cycles and leave
/// the drive empty. Targets: every count 0, recovered.
/// </summary>
/// <remarks>
/// A kill comes a random 0–250 ms after the child's first line (one in four within 60 ms, which
/// lands on the recovery from the previous kill's state); a child starts in about 150 ms and
/// an insert/eject cycle takes about 20 ms, so the kill points fall all over the workflow.
/// Starting the child (the dotnet host, JIT) dominates a round: about 250 ms per kill on two cores.
/// </remarks>
internal static class SigkillSection
{
    /// <summary>One lane per two cores: on two cores a second lane gained nothing (measured: 1,000 kills took 251 s with two lanes, about 250 s with one), since starting a child is CPU-bound.</summary>
    public static readonly int Lanes = Math.Max(1, Environment.ProcessorCount / 2);

    public static async Task<Figure> RunAsync(SoakOptions options)
    {
        var clock = Stopwatch.StartNew();
        SigkillLane.Result[] results = await Task.WhenAll(Enumerable.Range(0, Lanes).Select(lane =>
        {
            int rounds = options.Kills / Lanes + (lane < options.Kills % Lanes ? 1 : 0);
            return new SigkillLane(lane, options.Seed + lane).RunAsync(rounds);
        }));

        int rounds = results.Sum(r => r.Rounds);
        int violations = results.Sum(r => r.Violations);
        int outstanding = results.Sum(r => r.Outstanding);
        int relockFailures = results.Sum(r => r.RelockFailures);
        int leaked = results.Sum(r => r.Leaked.Count);
        int childFailures = results.Sum(r => r.ChildFailures);
        bool recovered = results.All(r => r.Recovered);
        Log.Note($"{rounds} kills in {clock.Elapsed.TotalSeconds:0} s over {Lanes} lanes; child start to first line " +
                 $"{results.Sum(r => r.ChildStartup.TotalMilliseconds) / Math.Max(1, rounds):0} ms on average; " +
                 $"the children completed {results.Sum(r => r.Cycles)} insert/eject cycles between them");
        return new Figure("sigkill")
            .Add("rounds", rounds)
            .Add("invariant_violations", violations)
            .Add("breaches_at_end", outstanding)
            .Add("relock_failures", relockFailures)
            .Add("leaked_files", leaked)
            .Add("transient_files", results.Sum(r => r.Transient.Count))
            .Add("child_failures", childFailures)
            .Add("recovered", recovered ? "yes" : "no")
            .Add("elapsed", Figure.Seconds(clock.Elapsed))
            .Require(violations == 0, $"{violations} kills left QEMU holding a medium or fd set the config does not describe ({outstanding} such at the last check)")
            .Require(relockFailures == 0, $"{relockFailures} kills left a lock that could not be taken again within 5 s")
            .Require(leaked == 0, $"leaked files: {string.Join(", ", results.SelectMany(r => r.Leaked).Take(10))}{(leaked > 10 ? ", ..." : string.Empty)}")
            .Require(childFailures == 0, $"{childFailures} children failed on their own (see above)")
            .Require(recovered, "a final child could not complete two insert/eject cycles, or left QEMU or the config inconsistent");
    }
}
