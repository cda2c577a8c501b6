using System.Diagnostics;
using Toolstack.Runtime;
using Toolstack.Runtime.Tests.Locking;
using Toolstack.Runtime.Tests.Qmp.Support;
using Toolstack.Soak.Support;

namespace Toolstack.Soak.Sections;

/// <summary>
/// The reconnect figure: N connections to one real QEMU (<c>-M none</c>), each negotiating, making
/// a call and disconnecting; every tenth disconnects with a call still pending (QEMU stopped by
/// SIGSTOP, so the call cannot have been answered). Targets: open descriptors after == before,
/// live heap after full GC within <see cref="LockCycleSection.HeapAllowance"/> of before, every
/// pending call failed with <see cref="QmpDisconnectedException"/>.
/// </summary>
internal static class ReconnectSection
{
    private const int Warmup = 20;

    public static async Task<Figure> RunAsync(SoakOptions options)
    {
        QemuProcess qemu = Reaper.Own(QemuProcess.StartNone());
        try
        {
            OpenFileDescriptors.Baseline();
            var outcome = new Outcome();
            await ReconnectAsync(qemu, 0, Warmup, outcome);
            int fdsBefore = FdCensus.Count();
            long heapBefore = Heap.Settled();
            var clock = Stopwatch.StartNew();

            await ReconnectAsync(qemu, Warmup, Warmup + options.Reconnects, outcome);

            TimeSpan elapsed = clock.Elapsed;
            long heapAfter = Heap.Settled();
            int fdsAfter = FdCensus.Settled(fdsBefore);
            return new Figure("reconnects")
                .Add("count", options.Reconnects)
                .Add("pending_at_close", outcome.PendingAtClose)
                .Add("errors", outcome.Errors)
                .Resources(fdsBefore, fdsAfter, heapBefore, heapAfter, LockCycleSection.HeapAllowance, "reconnects")
                .Add("elapsed", Figure.Seconds(elapsed))
                .Require(outcome.Errors == 0, $"{outcome.Errors} unexpected outcomes; first: {outcome.FirstError}");
        }
        finally
        {
            Reaper.Release(qemu);
        }
    }

    private static async Task ReconnectAsync(QemuProcess qemu, int from, int to, Outcome outcome)
    {
        for (int i = from; i < to; i++)
        {
            Reaper.Stopping.ThrowIfCancellationRequested();
            try
            {
                // Disposed, not QmpTimeouts.MustCompleteToken(): an undisposed timed source stays rooted
                // by its timer for 20 s, which would show here as heap growth of the harness's own.
                using var deadline = new CancellationTokenSource(QmpTimeouts.MustComplete);
                QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath, Reaper.Stopping);
                Task<QmpStatus>? pending = null;
                try
                {
                    await client.QueryStatusAsync(deadline.Token);
                    if (i % 10 == 9)
                    {
                        qemu.Stop();
                        pending = client.QueryStatusAsync(deadline.Token);
                    }
                }
                finally
                {
                    await client.DisposeAsync();
                    if (pending is not null)
                    {
                        qemu.Continue();
                    }
                }

                if (pending is not null)
                {
                    outcome.PendingAtClose++;
                    try
                    {
                        await pending.WaitAsync(QmpTimeouts.MustComplete);
                        outcome.Error($"reconnect {i}: a call pending at dispose succeeded");
                    }
                    catch (QmpDisconnectedException)
                    {
                        // The contract: pending calls fail with QmpDisconnectedException on dispose.
                    }
                }
            }
            catch (Exception e) when (e is QmpException or TimeoutException or OperationCanceledException && !Reaper.Stopping.IsCancellationRequested)
            {
                outcome.Error($"reconnect {i}: {e}");
            }
        }
    }

    private sealed class Outcome
    {
        public int PendingAtClose { get; set; }

        public int Errors { get; private set; }

        public string? FirstError { get; private set; }

        public void Error(string what)
        {
            Errors++;
            FirstError ??= what;
        }
    }
}
