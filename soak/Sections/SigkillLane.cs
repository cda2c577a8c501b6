using System.Diagnostics;
using Toolstack.Runtime;
using Toolstack.Runtime.Tests.Hotplug.Support;
using Toolstack.Runtime.Tests.Qmp.Support;
using Toolstack.Soak.Support;

namespace Toolstack.Soak.Sections;

/// <summary>
/// One lane of the SIGKILL figure: its own running QEMU (a PC with an empty IDE CD-ROM, two QMP
/// monitors: the child's and the observer's), its own lock directory and domain, and a series of
/// children killed at random points. See <see cref="SigkillSection"/>.
/// </summary>
internal sealed class SigkillLane
{
    public const string Cd = "cd0";
    private const int MaxKillDelayMs = 250;
    private const int EarlyKillDelayMs = 60;
    private static readonly TimeSpan s_lockTimeout = TimeSpan.FromSeconds(5);

    private readonly int _lane;
    private readonly Random _random;
    private int _notes;

    public SigkillLane(int lane, int seed)
    {
        _lane = lane;
        _random = new Random(seed);
    }

    /// <summary>What one lane counted.</summary>
    /// <param name="Leaked">Unexpected files still in the lock directory after the recovery cycles: left for good.</param>
    /// <param name="Transient">Unexpected files seen right after some kill (a config write's temporary file): the next write removes them.</param>
    public sealed record Result(int Rounds, int Violations, int Outstanding, int RelockFailures, IReadOnlySet<string> Leaked, IReadOnlySet<string> Transient, int ChildFailures, bool Recovered, long Cycles, TimeSpan ChildStartup);

    public async Task<Result> RunAsync(int rounds)
    {
        ScratchDirectory work = Reaper.Own(new ScratchDirectory($"toolstack-soak-kill{_lane}-"));
        try
        {
            string locks = Directory.CreateDirectory(Path.Combine(work.Path, "locks")).FullName;
            string childSocket = Path.Combine(work.Path, "child.sock");
            string[] images = [Image(work, "a.iso"), Image(work, "b.iso")];
            string domainId = $"8.soak{_lane}";
            var userdata = new DomainUserdata(locks, domainId);
            userdata.Create();
            var slowLock = new QmpLock(userdata);
            var jsonLock = new JsonLock(userdata);
            string[] expected = [userdata.RecordPath, userdata.JsonConfigPath];

            // Running (no -S): only then does QEMU 7.2 free a removed fd set, so a stale one shows.
            QemuProcess qemu = Reaper.Own(QemuProcess.Start(
                "-M", "pc", "-nodefaults", "-display", "none", "-device", $"ide-cd,id={Cd}",
                "-qmp", $"unix:{childSocket},server=on,wait=off"));
            try
            {
                await using QmpClient observer = await QmpClient.ConnectAsync(qemu.SocketPath, Reaper.Stopping);
                string[] cycle =
                [
                    "cycle", "--qmp", childSocket, "--lock-dir", locks, "--domain", domainId, "--device", Cd,
                    "--image", images[0], "--image", images[1],
                ];

                int violations = 0, relockFailures = 0, childFailures = 0;
                IReadOnlySet<string> before = new HashSet<string>(StringComparer.Ordinal);
                var transient = new SortedSet<string>(StringComparer.Ordinal);
                long cycles = 0;
                int outstanding = 0;
                TimeSpan childStartup = TimeSpan.Zero;
                for (int round = 0; round < rounds; round++)
                {
                    Reaper.Stopping.ThrowIfCancellationRequested();
                    int delay = _random.Next(4) == 0 ? _random.Next(EarlyKillDelayMs + 1) : _random.Next(MaxKillDelayMs + 1);
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
                            Note($"round {round}: the child exited by itself with {child.ExitCode}: {child.Errors.Trim()}");
                        }

                        cycles += child.Lines.Count(l => l == "ejected");
                    }
                    catch (Exception e) when (e is TimeoutException or InvalidOperationException)
                    {
                        childFailures++;
                        Note($"round {round}: the child did not start its cycle: {e.Message} {child.Errors.Trim()}");
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
                        Note($"round {round} (kill after {delay} ms): {e.Message}");
                        continue;
                    }

                    // A kill counts once, for the breaches it added: a stale fd set left by one kill
                    // stays in QEMU, and must not be counted again for every later kill.
                    var broken = new HashSet<string>([.. state.Violations(), .. FdsetCoverage.Violations(state)], StringComparer.Ordinal);
                    string[] added = broken.Except(before).ToArray();
                    before = broken;
                    if (added.Length > 0)
                    {
                        violations++;
                        Note($"round {round} (kill after {delay} ms, child's last line '{child.LastLine}'): {string.Join("; ", added)}");
                    }

                    outstanding = broken.Count;

                    foreach (string name in LockDirectoryAudit.Unexpected(locks, expected))
                    {
                        transient.Add(name);
                    }
                }

                // A file is leaked if it outlives the kills: the recovery cycles' config writes remove
                // what killed writes left, and their releases the lock files.
                bool recovered = await RecoversAsync(cycle, observer, slowLock, jsonLock);
                var leaked = new SortedSet<string>(LockDirectoryAudit.Unexpected(locks, expected), StringComparer.Ordinal);
                foreach (string name in leaked)
                {
                    Note($"leaked file {name}");
                }

                return new Result(rounds, violations, outstanding, relockFailures, leaked, transient, childFailures, recovered, cycles, childStartup);
            }
            finally
            {
                Reaper.Release(qemu);
            }
        }
        finally
        {
            Reaper.Release(work);
        }
    }

    /// <summary>After all the kills, a new child completes two whole cycles and leaves the drive empty in QEMU and in the config.</summary>
    private async Task<bool> RecoversAsync(string[] cycle, QmpClient observer, QmpLock slowLock, JsonLock jsonLock)
    {
        HotplugSample last = Reaper.Own(HotplugSample.Start([.. cycle, "--cycles", "2"]));
        try
        {
            last.WaitForExit(QmpTimeouts.MustComplete * 2);
            if (last.ExitCode != 0)
            {
                Log.Note($"lane {_lane}: the final child exited with {last.ExitCode}: {last.Errors.Trim()}");
                return false;
            }

            CdromState end = await CdromState.CaptureAsync(observer, slowLock, jsonLock, s_lockTimeout);
            IReadOnlyList<string> broken = [.. end.Violations(), .. FdsetCoverage.Violations(end)];
            bool empty = end.Inserted(Cd) is null && end.Disk(Cd)?.Medium is null && end.Disk(Cd)?.Pending is null;
            if (broken.Count > 0 || !empty)
            {
                Log.Note($"lane {_lane}: after the final child: {broken.Count} breaches, drive {(empty ? "empty" : "not empty")}: {Shorten(string.Join("; ", broken))}");
            }

            return broken.Count == 0 && empty;
        }
        catch (TimeoutException e)
        {
            Log.Note($"lane {_lane}: the final child: {e.Message}");
            return false;
        }
        finally
        {
            Reaper.Release(last);
        }
    }

    /// <summary>The first few problems of a lane, in detail; the figure counts them all.</summary>
    private void Note(string text)
    {
        if (++_notes <= 5)
        {
            Log.Note($"lane {_lane}: {Shorten(text)}");
        }
    }

    private static string Shorten(string text) => text.Length <= 400 ? text : text[..400] + " ...";

    private static string Image(ScratchDirectory directory, string name)
    {
        string path = Path.Combine(directory.Path, name);
        File.WriteAllBytes(path, new byte[64 * 1024]);
        return path;
    }
}
