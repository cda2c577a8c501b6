using System.Diagnostics;
using System.Globalization;
using Toolstack.Runtime.Tests.Hotplug.Support;
using Toolstack.Runtime.Tests.Locking;
using Toolstack.Runtime.Tests.Qmp.Support;
using Xunit.Abstractions;

namespace Toolstack.Runtime.Tests.Hotplug;

/// <summary>
/// The issue's crash test: "a child process performing the CD-ROM insert is SIGKILLed at random
/// points, many times; after each, the invariant holds (every medium in query-block is in the
/// JSON config) and the locks can be taken again."
/// </summary>
/// <remarks>
/// One QEMU with two QMP monitors: the child (<c>Hotplug cycle</c>, the sample) owns socket A and
/// inserts and ejects in a loop; the test observes through socket B. The kill comes a seeded
/// random 0–1500 ms after the child's first step, which spans many insert/eject cycles, so the
/// kill points fall all over the workflow; each kill's phase is read from the child's last line
/// and the state it left, and the tally is printed. Set TOOLSTACK_CRASH_SEED to replay a run.
/// Runs alone (its own collection), so the rest of the suite does not skew its timing.
/// </remarks>
[Collection(CdromCrashCollection.Name)]
public sealed class CdromCrashConsistencyTests
{
    private const string Cd = "cd0";
    private const string DomainId = "7.crash";
    private const int Rounds = 40;
    private const int MinimumRounds = 20;
    private const int MaxKillDelayMs = 1500;
    private const int EarlyKillDelayMs = 100;
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(80);
    private static readonly TimeSpan s_lockTimeout = TimeSpan.FromSeconds(5);

    private readonly ITestOutputHelper _output;

    public CdromCrashConsistencyTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [QemuFact]
    public async Task ChildSigkilledAtRandomPoints_EveryQemuMediumAndFdsetStaysInTheConfig_AndTheLocksCanBeTakenAgain()
    {
        int seed = Environment.GetEnvironmentVariable("TOOLSTACK_CRASH_SEED") is { Length: > 0 } given
            ? int.Parse(given, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        _output.WriteLine($"seed {seed} (replay with TOOLSTACK_CRASH_SEED={seed})");
        var random = new Random(seed);

        using var directory = new TempLockDirectory();
        string socketA = Path.Combine(directory.Path, "child.sock");
        string[] images = [Image(directory, "a.iso"), Image(directory, "b.iso")];
        DomainUserdata userdata = directory.Domain(DomainId);
        var slowLock = new QmpLock(userdata);
        var jsonLock = new JsonLock(userdata);
        // The VM runs: QEMU 7.2 closes a removed fd set only then, so the fd-set half of the invariant is observable.
        using QemuProcess qemu = QemuProcess.Start(
            "-M", "pc", "-nodefaults", "-display", "none", "-device", $"ide-cd,id={Cd}",
            "-qmp", $"unix:{socketA},server=on,wait=off");
        await using QmpClient observer = await QmpClient.ConnectAsync(qemu.SocketPath, QmpTimeouts.MustCompleteToken());
        // The toolstack's view after a crash: a domain object on the observer's connection, to settle what a kill left.
        var settler = new Domain(DomainId, userdata);
        CdromRig.AttachMonitor(settler, observer);
        string[] cycle =
        [
            "cycle", "--qmp", socketA, "--lock-dir", directory.Path, "--domain", DomainId, "--device", Cd,
            "--image", images[0], "--image", images[1],
        ];

        // In the prelaunch state QEMU 7.2 keeps every fd set ever added (remove-fd leaves them), one
        // descriptor each, and a child adds one per insert, so the kill window shrinks if QEMU's
        // descriptor limit could not hold 0–1500 ms of cycles for every round.
        long fdBudget = (QemuOpenFileLimit(qemu.ProcessId) - 256) / 2;
        double fdsetsPerMs = 0;
        long childMs = 0;
        _output.WriteLine($"QEMU's open-file limit allows {fdBudget} fd sets for this test");

        var phases = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var lastLines = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        long completedCycles = 0;
        int rounds = 0;
        for (; rounds < Rounds && (rounds < MinimumRounds || clock.Elapsed < s_budget); rounds++)
        {
            IReadOnlyList<QmpFdset> fdsets = await observer.QueryFdsetsAsync(QmpTimeouts.MustCompleteToken());
            int window = MaxKillDelayMs;
            if (fdsetsPerMs > 0)
            {
                double perRound = (double)(fdBudget - fdsets.Count) / (Rounds - rounds);
                window = (int)Math.Clamp(perRound / fdsetsPerMs, EarlyKillDelayMs, MaxKillDelayMs);
            }

            // One kill in four comes within the first insert: it lands on the recovery from the previous kill's state.
            int delay = random.Next(4) == 0 ? random.Next(0, EarlyKillDelayMs + 1) : random.Next(0, window + 1);
            string? lastLine;
            using (HotplugSample child = HotplugSample.Start(cycle))
            {
                await child.FirstLine.WaitAsync(QmpTimeouts.MustComplete);
                var running = Stopwatch.StartNew();
                await Task.Delay(delay);
                bool killed = child.Kill();
                childMs += Math.Max(1, running.ElapsedMilliseconds);
                Assert.True(killed, $"round {rounds}: the child exited by itself with {child.ExitCode}: {child.Errors}");
                lastLine = child.LastLine;
                completedCycles += child.Lines.Count(l => l == "ejected");
            }

            // The dead child's locks must be free: take the QmpLock, query QEMU, read the config under the JsonLock.
            CdromState state = await CdromState.CaptureAsync(observer, slowLock, jsonLock, s_lockTimeout);
            fdsetsPerMs = (double)state.Fdsets.Count / childMs;
            string phase = Classify(lastLine, state);
            phases[phase] = phases.GetValueOrDefault(phase) + 1;
            string coarse = Coarse(lastLine);
            lastLines[coarse] = lastLines.GetValueOrDefault(coarse) + 1;
            // Right after the kill, before any settle: media AND fd sets (the VM runs, so a removed set is gone).
            IReadOnlyList<string> violations = [.. state.Violations(), .. state.FdsetViolations()];
            _output.WriteLine($"round {rounds,2}: kill after {delay,4} ms{(window < MaxKillDelayMs ? $" (window {window} ms)" : string.Empty)}, last line '{lastLine}' → {phase}" +
                (violations.Count == 0 ? string.Empty : $"  VIOLATION: {string.Join("; ", violations)}"));
            if (violations.Count > 0)
            {
                failures.Add($"round {rounds} (kill after {delay} ms, {phase}): {string.Join("; ", violations)} — {state}");
            }

            // Once settled, no fd set of the hot-plug's is outside the config.
            await CdromHotplug.SettleAsync(settler, QmpTimeouts.MustCompleteToken());
            CdromState settled = await CdromState.CaptureAsync(observer, slowLock, jsonLock, s_lockTimeout);
            IReadOnlyList<QmpFdset> unnamed = settled.UnnamedHotplugFdsets();
            if (settled.Violations().Count > 0 || unnamed.Count > 0 || !settled.Running)
            {
                failures.Add($"round {rounds} (kill after {delay} ms, {phase}), after settling: " +
                    $"{string.Join("; ", settled.Violations())} unnamed fd sets [{string.Join(",", unnamed.Select(u => u.FdsetId))}], running {settled.Running} — {settled}");
            }
        }

        TimeSpan killing = clock.Elapsed;

        // After all that, a new child finishes two whole cycles: the workflow recovers from any of those states.
        using (HotplugSample last = HotplugSample.Start([.. cycle, "--cycles", "2"]))
        {
            last.WaitForExit(QmpTimeouts.MustComplete * 2);
            Assert.True(last.ExitCode == 0, $"the final child exited with {last.ExitCode}: {last.Errors}");
        }

        CdromState end = await CdromState.CaptureAsync(observer, slowLock, jsonLock, s_lockTimeout);

        _output.WriteLine(string.Empty);
        _output.WriteLine($"{rounds} kills in {killing.TotalSeconds:0.0} s (seed {seed}); the children completed {completedCycles} insert/eject cycles between them");
        _output.WriteLine("kills by the child's last printed line:");
        foreach ((string line, int count) in lastLines)
        {
            _output.WriteLine($"  {count,3}  {line}");
        }

        _output.WriteLine("kills by workflow phase (last line and the state left behind):");
        foreach ((string phase, int count) in phases)
        {
            _output.WriteLine($"  {count,3}  {phase}");
        }

        _output.WriteLine($"final state: {end}");

        Assert.True(rounds >= MinimumRounds, $"only {rounds} rounds within {s_budget}");
        Assert.True(failures.Count == 0, $"seed {seed}: the invariant broke after {failures.Count} of {rounds} kills:{Environment.NewLine}{string.Join(Environment.NewLine, failures)}");
        end.AssertSettled();
        Assert.Null(end.Inserted(Cd));
        Assert.Null(end.Disk(Cd)!.Medium);
        Assert.Null(end.Disk(Cd)!.Pending);
    }

    /// <summary>The soft RLIMIT_NOFILE of process <paramref name="pid"/> (QEMU raises its own to the hard limit).</summary>
    private static long QemuOpenFileLimit(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/limits"))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                string soft = line["Max open files".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return soft == "unlimited" ? int.MaxValue : Math.Min(long.Parse(soft, CultureInfo.InvariantCulture), int.MaxValue);
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/limits lists no open-file limit");
    }

    private static string Image(TempLockDirectory directory, string name)
    {
        string path = Path.Combine(directory.Path, name);
        File.WriteAllBytes(path, new byte[64 * 1024]);
        return path;
    }

    private static string Coarse(string? lastLine) => lastLine switch
    {
        null => "(nothing)",
        _ when lastLine.StartsWith("insert ", StringComparison.Ordinal) => "insert <image>",
        _ when lastLine.StartsWith("inserted ", StringComparison.Ordinal) => "inserted <image>",
        _ => lastLine,
    };

    /// <summary>
    /// Where in the workflow the kill landed, from the child's last line (which step was under way)
    /// and what it left: the previous round was settled, so a set carrying the image being
    /// inserted tells that this child's current insert had passed add-fd.
    /// </summary>
    private static string Classify(string? lastLine, CdromState state)
    {
        DiskConfig? disk = state.Disk(Cd);
        int? held = state.InsertedFdset(Cd);
        if (lastLine is null)
        {
            return "startup (nothing printed)";
        }

        if (lastLine.StartsWith("insert ", StringComparison.Ordinal))
        {
            string image = lastLine["insert ".Length..];
            // A running QEMU reuses removed ids, so this insert's set is the one carrying its image.
            int newest = state.Fdsets.Where(f => state.OpaqueOf(f.FdsetId) == image).Select(f => f.FdsetId).DefaultIfEmpty(-1).Max();
            bool added = newest >= 0;
            if (!added)
            {
                return "insert 1: lock, open, settle, before add-fd";
            }

            if (disk?.Pending?.FdSet == newest)
            {
                return held == newest
                    ? "insert 4: QEMU changed the medium, config not finalised"
                    : "insert 3: pending recorded, blockdev-change-medium not done";
            }

            return disk?.Medium?.FdSet == newest
                ? "insert 5: config finalised, old fd set being dropped"
                : "insert 2: fd added, pending not recorded yet";
        }

        if (lastLine.StartsWith("inserted ", StringComparison.Ordinal))
        {
            return "between insert and eject";
        }

        if (lastLine == "eject")
        {
            if (disk?.Medium is null && disk?.Pending is null)
            {
                return held is null ? "eject 3: config cleared, fd sets being dropped" : "eject ?: config empty while QEMU holds a medium";
            }

            return held is null
                ? "eject 2: QEMU ejected, config not cleared"
                : "eject 1: lock, before QEMU's eject";
        }

        return lastLine == "ejected" ? "between eject and insert" : $"other: {lastLine}";
    }
}

/// <summary>The crash test runs alone, after the parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CdromCrashCollection
{
    public const string Name = "CD-ROM crash consistency";
}
