using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Toolstack.Runtime.Tests.Qmp.Support;
using Xunit.Abstractions;

namespace Toolstack.Runtime.Tests.Qmp;

/// <summary>
/// Against real QEMU that stops answering (SIGSTOP) or dies (SIGKILL) while a call is pending:
/// the call fails fast or is cancelled on time, and nothing else is held up. Timed, so they run
/// alone (<see cref="QmpTimingCollection"/>).
/// </summary>
[Collection(QmpTimingCollection.Name)]
public sealed class QmpStalledQemuTests
{
    private readonly ITestOutputHelper _output;

    public QmpStalledQemuTests(ITestOutputHelper output) => _output = output;

    [QemuFact]
    public async Task KilledMidCall_PendingCallFailsDisconnected_WithinOneSecond()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        Assert.True((await client.QueryStatusAsync(QmpTimeouts.MustCompleteToken())).Running);

        qemu.Stop(); // so the call is certainly still pending when QEMU dies
        Task<QmpStatus> pending = client.QueryStatusAsync(QmpTimeouts.MustCompleteToken());
        Task<QmpEvent> waiter = client.WaitForEvent("SHUTDOWN").Task;
        await Task.Delay(200);
        Assert.False(pending.IsCompleted, "QEMU is stopped: no reply yet");

        var clock = Stopwatch.StartNew();
        Task<TimeSpan> failedAt = pending.ContinueWith(_ => clock.Elapsed, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        qemu.Kill();
        QmpDisconnectedException error = await Assert.ThrowsAsync<QmpDisconnectedException>(
            () => pending.WaitAsync(QmpTimeouts.MustComplete));
        TimeSpan elapsed = await failedAt;

        _output.WriteLine($"pending call failed {elapsed.TotalMilliseconds:0.0} ms after SIGKILL: {error.Message}");
        Assert.True(elapsed < QmpTimeouts.Prompt, $"failed after {elapsed.TotalMilliseconds:0} ms; must be < 1 s");
        await Assert.ThrowsAsync<QmpDisconnectedException>(() => waiter);

        clock.Restart();
        await Assert.ThrowsAsync<QmpDisconnectedException>(() => client.QueryStatusAsync(QmpTimeouts.MustCompleteToken()));
        Assert.True(clock.Elapsed < QmpTimeouts.Prompt, "later calls fail immediately");
        Assert.False(client.IsConnected);
    }

    [QemuFact]
    public async Task KilledWithManyCallsPending_AllFailAtOnce()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        await client.QueryStatusAsync(QmpTimeouts.MustCompleteToken());

        qemu.Stop();
        Task[] pending = Enumerable.Range(0, 20).Select(_ => (Task)client.QueryStatusAsync(QmpTimeouts.MustCompleteToken())).ToArray();
        await Task.Delay(100);

        var clock = Stopwatch.StartNew();
        Task<TimeSpan> allFailedAt = Task.WhenAll(pending).ContinueWith(_ => clock.Elapsed, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        qemu.Kill();
        foreach (Task call in pending)
        {
            await Assert.ThrowsAsync<QmpDisconnectedException>(() => call.WaitAsync(QmpTimeouts.MustComplete));
        }

        TimeSpan elapsed = await allFailedAt;
        _output.WriteLine($"20 pending calls failed {elapsed.TotalMilliseconds:0.0} ms after SIGKILL");
        Assert.True(elapsed < QmpTimeouts.Prompt, $"failed after {elapsed.TotalMilliseconds:0} ms; must be < 1 s");
    }

    [QemuFact]
    public async Task Stopped_CallWith300msToken_IsCancelledOnTime_WhileAnotherQemuAnswers_AndWorksAfterSigcont()
    {
        using QemuProcess stalled = QemuProcess.StartNone();
        using QemuProcess healthy = QemuProcess.StartNone();
        var log = new ConcurrentQueue<string>();
        await using QmpClient stuck = await QmpClient.ConnectAsync(stalled.SocketPath, new QmpClientOptions { Log = log.Enqueue });
        await using QmpClient other = await QmpClient.ConnectAsync(healthy.SocketPath);
        CancellationToken ct = QmpTimeouts.MustCompleteToken();
        await stuck.QueryStatusAsync(ct);

        stalled.Stop();
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            var clock = Stopwatch.StartNew();
            Task<QmpStatus> cancelled = stuck.QueryStatusAsync(deadline.Token);
            Task<TimeSpan> cancelledAt = cancelled.ContinueWith(_ => clock.Elapsed, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

            // Meanwhile the healthy QEMU answers normally, while the stopped one holds a call.
            var healthyClock = Stopwatch.StartNew();
            for (int i = 0; i < 10; i++)
            {
                Assert.True((await other.QueryStatusAsync(ct)).Running);
            }

            _output.WriteLine($"10 calls to the healthy QEMU took {healthyClock.Elapsed.TotalMilliseconds:0.0} ms meanwhile");
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(QmpTimeouts.MustComplete));
            TimeSpan elapsed = await cancelledAt;

            _output.WriteLine($"call with a 300 ms token under SIGSTOP ended as cancelled after {elapsed.TotalMilliseconds:0.0} ms");
            Assert.True(elapsed < QmpTimeouts.Prompt, $"cancelled after {elapsed.TotalMilliseconds:0} ms; must be < 1 s");
            Assert.True(elapsed >= TimeSpan.FromMilliseconds(250), "it waited for its token, not less");
            Assert.True(stuck.IsConnected, "cancelling a call does not close the connection");
        }
        finally
        {
            stalled.Continue();
        }

        // The first connection still works, and the cancelled call's late reply was dropped.
        QmpStatus after = await stuck.QueryStatusAsync(ct);
        Assert.True(after.Running);
        Assert.Contains(log, line => line.Contains("unknown id", StringComparison.Ordinal));
    }

    [QemuFact]
    public async Task Stopped_DisposeFailsPendingCalls_Promptly()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        await client.QueryStatusAsync(QmpTimeouts.MustCompleteToken());
        qemu.Stop();
        try
        {
            Task<QmpStatus> pending = client.QueryStatusAsync(QmpTimeouts.MustCompleteToken());
            await Task.Delay(100);

            var clock = Stopwatch.StartNew();
            await client.DisposeAsync().AsTask().WaitAsync(QmpTimeouts.MustComplete);
            await Assert.ThrowsAsync<QmpDisconnectedException>(() => pending.WaitAsync(QmpTimeouts.MustComplete));

            Assert.True(clock.Elapsed < QmpTimeouts.Prompt, $"dispose took {clock.Elapsed.TotalMilliseconds:0} ms");
            await Assert.ThrowsAsync<ObjectDisposedException>(() => client.QueryStatusAsync());
        }
        finally
        {
            qemu.Continue();
        }
    }

    [QemuFact]
    public async Task Stopped_TwentyThousandTimedOutPolls_LeaveNothingQueuedOrPending_AndTheConnectionWorksAfterSigcont()
    {
        // The issue: 200,000 timed-out polls of a SIGSTOPped QEMU held 82 MiB. The first few
        // thousand fill the socket buffer (written, then given up); the rest wait in the queue.
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        await client.QueryStatusAsync(QmpTimeouts.MustCompleteToken());

        qemu.Stop();
        try
        {
            // A line larger than the socket buffer: the writer is stuck in it until SIGCONT, so
            // every poll after it waits in the send queue (without it, most polls would be
            // skipped by a free writer before their turn and the queue would hardly grow).
            using var blobCts = new CancellationTokenSource();
            Task<JsonElement> blob = client.ExecuteAsync("query-status", new { pad = new string('x', 1024 * 1024) }, blobCts.Token);

            for (int batch = 0; batch < 200; batch++)
            {
                using var cts = new CancellationTokenSource();
                Task<QmpStatus>[] polls = Enumerable.Range(0, 100).Select(_ => client.QueryStatusAsync(cts.Token)).ToArray();
                cts.Cancel();
                foreach (Task<QmpStatus> poll in polls)
                {
                    await Assert.ThrowsAnyAsync<OperationCanceledException>(() => poll.WaitAsync(QmpTimeouts.MustComplete));
                }
            }

            blobCts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blob.WaitAsync(QmpTimeouts.MustComplete));

            _output.WriteLine($"after 20,000 timed-out polls: {client.QueuedCommandCount} queued, {client.PendingCallCount} pending");
            Assert.Equal(0, client.QueuedCommandCount);
            Assert.Equal(0, client.PendingCallCount);
            Assert.True(client.IsConnected);
        }
        finally
        {
            qemu.Continue();
        }

        // QEMU answers the polls that were written (dropped as unknown ids), then this one.
        Assert.True((await client.QueryStatusAsync(QmpTimeouts.MustCompleteToken())).Running);
    }
}
