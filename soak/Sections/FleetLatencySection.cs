using System.Collections.Concurrent;
using System.Diagnostics;
using Toolstack.Runtime;
using Toolstack.Runtime.Tests.Qmp.Support;
using Toolstack.Soak.Support;

namespace Toolstack.Soak.Sections;

/// <summary>
/// The fleet figure: N real QEMUs (<c>-M none</c>), one client each. Rounds of one
/// <c>query-status</c> to every QEMU at once, first all healthy, then with QEMU 0 stopped by
/// SIGSTOP (its calls pile up, each with a 2 s deadline, as a toolstack's would). Compared: the
/// p99 latency of the calls to the other N-1, healthy against one-stopped. Target: stopped p99 ≤
/// 2 × healthy p99 + <see cref="Allowance"/>.
/// </summary>
internal static class FleetLatencySection
{
    /// <summary>
    /// On a loaded 2-core machine a healthy p99 is a few milliseconds, and one scheduler slice
    /// (4 ms with CONFIG_HZ=250) or a gen0 GC moves it by that much; 20 ms absorbs such noise, and
    /// is far below what a stuck monitor causes when it blocks others (its 2 s deadline).
    /// </summary>
    public static readonly TimeSpan Allowance = TimeSpan.FromMilliseconds(20);

    private const int Rounds = 200;
    private static readonly TimeSpan s_stalledDeadline = TimeSpan.FromSeconds(2);

    public static async Task<Figure> RunAsync(SoakOptions options)
    {
        var qemus = new ConcurrentBag<QemuProcess>();
        var clients = new List<QmpClient>();
        try
        {
            var clock = Stopwatch.StartNew();
            // Started a few at a time: 50 at once would only queue on two cores.
            await Parallel.ForEachAsync(Enumerable.Range(0, options.Qemus),
                new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Reaper.Stopping },
                (_, _) =>
                {
                    qemus.Add(Reaper.Own(QemuProcess.StartNone()));
                    return ValueTask.CompletedTask;
                });
            QemuProcess[] fleet = [.. qemus];
            foreach (QemuProcess qemu in fleet)
            {
                clients.Add(await QmpClient.ConnectAsync(qemu.SocketPath, Reaper.Stopping));
            }

            Log.Note($"{fleet.Length} QEMUs started and connected in {clock.Elapsed.TotalSeconds:0.0} s");
            QmpClient[] others = [.. clients.Skip(1)];
            await MeasureAsync(others, 20); // warm-up
            List<double> healthy = await MeasureAsync(others, Rounds);

            fleet[0].Stop();
            var stalled = new List<Task>();
            List<double> oneStopped;
            try
            {
                oneStopped = await MeasureAsync(others, Rounds, () => stalled.Add(CallStalledAsync(clients[0])));
                await Task.WhenAll(stalled); // their deadlines pass while QEMU 0 is still stopped
            }
            finally
            {
                fleet[0].Continue();
            }

            int stalledAnswered = stalled.Count(t => ((Task<bool>)t).Result);
            double p99Healthy = Percentile(healthy, 0.99), p99Stopped = Percentile(oneStopped, 0.99);
            double bound = 2 * p99Healthy + Allowance.TotalMilliseconds;
            return new Figure("fleet")
                .Add("qemus", fleet.Length)
                .Add("calls", oneStopped.Count)
                .Add("p50_healthy", Ms(Percentile(healthy, 0.5)))
                .Add("p99_healthy", Ms(p99Healthy))
                .Add("p50_one_stopped", Ms(Percentile(oneStopped, 0.5)))
                .Add("p99_one_stopped", Ms(p99Stopped))
                .Add("bound", Ms(bound))
                .Add("stalled_calls", stalled.Count)
                .Add("stalled_answered", stalledAnswered)
                .Require(p99Stopped <= bound, $"p99 with QEMU 0 stopped {Ms(p99Stopped)} > 2 × {Ms(p99Healthy)} + {Allowance.TotalMilliseconds} ms")
                .Require(stalledAnswered == 0, $"{stalledAnswered} calls to the stopped QEMU were answered (it was not stopped?)");
        }
        finally
        {
            foreach (QmpClient client in clients)
            {
                await client.DisposeAsync();
            }

            foreach (QemuProcess qemu in qemus)
            {
                Reaper.Release(qemu);
            }
        }
    }

    /// <summary>Rounds of one call to each client at once; the latency of every call, in ms.</summary>
    private static async Task<List<double>> MeasureAsync(QmpClient[] clients, int rounds, Action? eachRound = null)
    {
        var latencies = new List<double>(clients.Length * rounds);
        for (int round = 0; round < rounds; round++)
        {
            Reaper.Stopping.ThrowIfCancellationRequested();
            eachRound?.Invoke();
            double[] times = await Task.WhenAll(clients.Select(TimeOneCallAsync));
            latencies.AddRange(times);
        }

        return latencies;
    }

    private static async Task<double> TimeOneCallAsync(QmpClient client)
    {
        long start = Stopwatch.GetTimestamp();
        await client.QueryStatusAsync(QmpTimeouts.MustCompleteToken());
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>A call to the stopped QEMU with a 2 s deadline; true if it was answered anyway.</summary>
    private static async Task<bool> CallStalledAsync(QmpClient client)
    {
        using var deadline = new CancellationTokenSource(s_stalledDeadline);
        try
        {
            await client.QueryStatusAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static double Percentile(List<double> values, double p)
    {
        double[] sorted = [.. values.Order()];
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static string Ms(double ms) => Figure.Ms(TimeSpan.FromMilliseconds(ms));
}
