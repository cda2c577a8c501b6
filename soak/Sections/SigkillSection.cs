using System.Diagnostics;
using Toolstack.Runtime;
using Toolstack.Runtime.Tests.Hotplug.Support;
using Toolstack.Runtime.Tests.Qmp.Support;
using Toolstack.Soak.Support;

namespace Toolstack.Soak.Sections;

/// <summary>
/// The crash figure: the hot-plug child (<c>samples/Hotplug cycle</c>, inserting and ejecting in
/// a loop) is SIGKILLed at a random point, N times. After each kill: take the QmpLock and the
/// JsonLock again (each within <see cref="s_lockTimeout"/>), query-block and query-fdsets through a
/// second monitor, read the JSON config, and check that every medium and every fd set QEMU holds
/// is described by the config; then list the lock directory. Targets: all counts 0.
/// </summary>
/// <remarks>
/// The VM runs (no <c>-S</c>): only then does QEMU 7.2 free a removed fd set, so a stale one is
/// visible. A kill comes a random 0–<see cref="MaxKillDelayMs"/> ms after the child's first line,
/// one in four within <see cref="EarlyKillDelayMs"/> ms (it then lands on the recovery from the
/// previous kill's state).
/// </remarks>
internal static class SigkillSection
{
    private const string Cd = "cd0";
    private const string DomainId = "8.soak";
    private const int MaxKillDelayMs = 400;
    private const int EarlyKillDelayMs = 60;
    private static readonly TimeSpan s_lockTimeout = TimeSpan.FromSeconds(5);

    public static async Task<Figure> RunAsync(SoakOptions options)
    {
        var random = new Random(options.Seed);
        DirectoryInfo work = Directory.CreateTempSubdirectory("toolstack-soak-kill-");
        try
        {
            string locks = Directory.CreateDirectory(Path.Combine(work.FullName, "locks")).FullName;
            string childSocket = Path.Combine(work.FullName, "child.sock");
            string[] images = [Image(work, "a.iso"), Image(work, "b.iso")];
            var userdata = new DomainUserdata(locks, DomainId);
            userdata.Create();
            var slowLock = new QmpLock(userdata);
            var jsonLock = new JsonLock(userdata);
            string[] expected = [userdata.RecordPath, userdata.JsonConfigPath];

            QemuProcess qemu = Reaper.Own(QemuProcess.Start(
                "-M", "pc", "-nodefaults", "-display", "none", "-device", $"ide-cd,id={Cd}",
                "-qmp", $"unix:{childSocket},server=on,wait=off"));
            try
            {
                await using QmpClient observer = await QmpClient.ConnectAsync(qemu.SocketPath, Reaper.Stopping);
                string[] cycle =
                [
                    "cycle", "--qmp", childSocket, "--lock-dir", locks, "--domain", DomainId, "--device", Cd,
                    "--image", images[0], "--image", images[1],
                ];

                int violations = 0, relockFailures = 0, childFailures = 0;
                var leaked = new SortedSet<string>(StringComparer.Ordinal);
                long cycles = 0;
                var clock = Stopwatch.StartNew();
                TimeSpan childStartup = TimeSpan.Zero;
                for (int round = 0; round < options.Kills; round++)
                {
                    Reaper.Stopping.ThrowIfCancellationRequested();
                    int delay = random.Next(4) == 0 ? random.Next(EarlyKillDelayMs + 1) : random.Next(MaxKillDelayMs + 1);
                    HotplugSample child = Reaper.Own(HotplugSample.Start(cycle));
                    try
                    {
                        var started = Stopwatch.StartNew();
                        await child.FirstLine.WaitAsync(QmpTimeouts.MustComplete, Reaper.Stopping);
                        childStartup += started.Elapsed;
                        await Task.Delay(delay, Reaper.Stopping);
                        if (!child.Kill())
                        {
                            childFailures++;
                            Log.Note($"round {round}: the child exited by itself with {child.ExitCode}: {child.Errors.Trim()}");
                        }

                        cycles += child.Lines.Count(l => l == "ejected");
                    }
                    catch (Exception e) when (e is TimeoutException or InvalidOperationException)
                    {
                        childFailures++;
                        Log.Note($"round {round}: the child did not start its cycle: {e.Message} {child.Errors.Trim()}");
                    }
                    finally
                    {
                        Reaper.Release(child);
                    }

                    CdromState state;
                    try
                    {
                        state = await CdromState.CaptureAsync(observer, slowLock, jsonLock, s_lockTimeout);
                    }
                    catch (TimeoutException e)
                    {
                        relockFailures++;
                        Log.Note($"round {round} (kill after {delay} ms): {e.Message}");
                        continue;
                    }

                    IReadOnlyList<string> broken = [.. state.Violations(), .. FdsetCoverage.Violations(state)];
                    if (broken.Count > 0)
                    {
                        violations++;
                        if (violations <= 5)
                        {
                            Log.Note($"round {round} (kill after {delay} ms, child's last line '{child.LastLine}'): {string.Join("; ", broken)}");
                        }
                    }

                    foreach (string name in LockDirectoryAudit.Unexpected(locks, expected))
                    {
                        if (leaked.Add(name) && leaked.Count <= 5)
                        {
                            Log.Note($"round {round}: leaked file {name}");
                        }
                    }
                }

                TimeSpan killing = clock.Elapsed;
                bool recovered = await RecoversAsync(cycle, observer, slowLock, jsonLock);
                Log.Note($"{options.Kills} kills in {killing.TotalSeconds:0} s; child start to first line {childStartup.TotalMilliseconds / options.Kills:0} ms on average; " +
                         $"the children completed {cycles} insert/eject cycles; QEMU holds {Directory.GetFiles($"/proc/{qemu.ProcessId}/fd").Length} descriptors at the end");
                return new Figure("sigkill")
                    .Add("rounds", options.Kills)
                    .Add("invariant_violations", violations)
                    .Add("relock_failures", relockFailures)
                    .Add("leaked_files", leaked.Count)
                    .Add("child_failures", childFailures)
                    .Add("recovered", recovered ? "yes" : "no")
                    .Add("elapsed", Figure.Seconds(clock.Elapsed))
                    .Require(violations == 0, $"{violations} kills left QEMU holding a medium or fd set the config does not describe")
                    .Require(relockFailures == 0, $"{relockFailures} kills left a lock that could not be taken within {s_lockTimeout.TotalSeconds} s")
                    .Require(leaked.Count == 0, $"leaked files: {string.Join(", ", leaked.Take(20))}")
                    .Require(childFailures == 0, $"{childFailures} children failed on their own (see above)")
                    .Require(recovered, "a final child could not complete two insert/eject cycles, or left QEMU or the config inconsistent");
            }
            finally
            {
                Reaper.Release(qemu);
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>After all the kills, a new child completes two whole cycles and leaves the drive empty in QEMU and in the config.</summary>
    private static async Task<bool> RecoversAsync(string[] cycle, QmpClient observer, QmpLock slowLock, JsonLock jsonLock)
    {
        HotplugSample last = Reaper.Own(HotplugSample.Start([.. cycle, "--cycles", "2"]));
        try
        {
            last.WaitForExit(QmpTimeouts.MustComplete * 2);
            if (last.ExitCode != 0)
            {
                Log.Note($"the final child exited with {last.ExitCode}: {last.Errors.Trim()}");
                return false;
            }

            CdromState end = await CdromState.CaptureAsync(observer, slowLock, jsonLock, s_lockTimeout);
            IReadOnlyList<string> broken = [.. end.Violations(), .. FdsetCoverage.Violations(end)];
            bool empty = end.Inserted(Cd) is null && end.Disk(Cd)?.Medium is null && end.Disk(Cd)?.Pending is null;
            if (broken.Count > 0 || !empty)
            {
                Log.Note($"after the final child: {string.Join("; ", broken)} {end}");
            }

            return broken.Count == 0 && empty;
        }
        catch (TimeoutException e)
        {
            Log.Note($"the final child: {e.Message}");
            return false;
        }
        finally
        {
            Reaper.Release(last);
        }
    }

    private static string Image(DirectoryInfo directory, string name)
    {
        string path = Path.Combine(directory.FullName, name);
        File.WriteAllBytes(path, new byte[64 * 1024]);
        return path;
    }
}
