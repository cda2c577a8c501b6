using System.Text.Json;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Qmp;

/// <summary>
/// The send queue when the peer stops reading: a blob larger than any socket buffer is written
/// first, so the writer is stuck in the middle of it and every later call waits in the queue.
/// Memory is bounded by what is in flight (<see cref="QmpClientOptions.SendQueueCapacity"/>), not
/// by how many calls were made and given up.
/// </summary>
public sealed class QmpSendQueueTests
{
    /// <summary>Far more than a Unix socket's buffer (about 200 KiB), so its write cannot finish.</summary>
    private static readonly object Blob = new { pad = new string('x', 8 * 1024 * 1024) };

    [Fact]
    public async Task StalledPeer_ManyCancelledUnsentCalls_LeaveTheSendQueue()
    {
        var firstByte = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            await peer.ReadOneByteThenStallAsync(firstByte, ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);
        Task<JsonElement> blob = client.ExecuteAsync("blob", Blob);
        await firstByte.Task.WaitAsync(QmpTimeouts.MustComplete); // the writer is in the middle of it

        for (int batch = 0; batch < 50; batch++)
        {
            using var cts = new CancellationTokenSource();
            Task<JsonElement>[] polls = Enumerable.Range(0, 100).Select(_ => client.ExecuteAsync("poll", null, cts.Token)).ToArray();
            cts.Cancel();
            foreach (Task<JsonElement> poll in polls)
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => poll.WaitAsync(QmpTimeouts.MustComplete));
            }
        }

        // 5,000 calls given up before their turn: none of them may still be held.
        Assert.Equal(0, client.QueuedCommandCount);
        Assert.Equal(1, client.PendingCallCount); // the blob, written in part and unanswered
        Assert.False(blob.IsCompleted);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task FullSendQueue_RefusesACall_BeforeSerialisingItsArguments()
    {
        var firstByte = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            await peer.ReadOneByteThenStallAsync(firstByte, ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath, new QmpClientOptions { SendQueueCapacity = 2 });
        Task<JsonElement> blob = client.ExecuteAsync("blob", Blob);
        await firstByte.Task.WaitAsync(QmpTimeouts.MustComplete);
        Task<JsonElement>[] queued = [client.ExecuteAsync("queued-0"), client.ExecuteAsync("queued-1")];
        var arguments = new CountingArguments();

        await Assert.ThrowsAsync<QmpSendQueueFullException>(() => client.ExecuteAsync("refused", arguments).WaitAsync(QmpTimeouts.Prompt));

        // A flood of refused calls must not format (and allocate) each one first.
        Assert.Equal(0, arguments.Reads);
        Assert.All(queued, call => Assert.False(call.IsCompleted));
    }

    private sealed class CountingArguments
    {
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public string Blob
        {
            get
            {
                Interlocked.Increment(ref _reads);
                return "x";
            }
        }
    }

    [Fact]
    public async Task FullSendQueue_FailsTheNextCallAtOnce_AndACancelledCallMakesRoom()
    {
        var firstByte = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            await peer.ReadOneByteThenStallAsync(firstByte, ct);
        });
        QmpClient client = await QmpClient.ConnectAsync(server.SocketPath, new QmpClientOptions { SendQueueCapacity = 8 });
        Task<JsonElement> blob = client.ExecuteAsync("blob", Blob);
        await firstByte.Task.WaitAsync(QmpTimeouts.MustComplete);

        CancellationTokenSource[] tokens = Enumerable.Range(0, 8).Select(_ => new CancellationTokenSource()).ToArray();
        Task<JsonElement>[] queued = Enumerable.Range(0, 8).Select(i => client.ExecuteAsync($"queued-{i}", null, tokens[i].Token)).ToArray();
        Assert.Equal(8, client.QueuedCommandCount);

        QmpSendQueueFullException full = await Assert.ThrowsAsync<QmpSendQueueFullException>(
            () => client.ExecuteAsync("one-too-many").WaitAsync(QmpTimeouts.Prompt));

        Assert.Equal("one-too-many", full.Command);
        Assert.Equal(8, full.Capacity);
        Assert.Equal(server.SocketPath, full.SocketPath);
        Assert.True(client.IsConnected, "a full queue does not close the connection");
        Assert.All(queued, call => Assert.False(call.IsCompleted));

        // A call given up while queued leaves at once, and its place is free again.
        tokens[3].Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued[3].WaitAsync(QmpTimeouts.MustComplete));
        Assert.Equal(7, client.QueuedCommandCount);
        Task<JsonElement> again = client.ExecuteAsync("room-again");
        Assert.False(again.IsCompleted);
        Assert.Equal(8, client.QueuedCommandCount);

        // Closing fails everything still queued or written, and empties the queue.
        await client.DisposeAsync().AsTask().WaitAsync(QmpTimeouts.MustComplete);
        foreach (Task<JsonElement> call in queued.Where((_, i) => i != 3).Append(again).Append(blob))
        {
            await Assert.ThrowsAsync<QmpDisconnectedException>(() => call.WaitAsync(QmpTimeouts.MustComplete));
        }

        Assert.Equal(0, client.QueuedCommandCount);
        Assert.Equal(0, client.PendingCallCount);
        foreach (CancellationTokenSource token in tokens)
        {
            token.Dispose();
        }
    }

    [Fact]
    public async Task FullSendQueue_RefusedDescriptorCall_ReleasesTheDescriptorGate()
    {
        // A descriptor-carrying call holds the gate from before it is queued; refused, it must
        // let it go, or every later getfd/add-fd would wait forever.
        var firstByte = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            await peer.ReadOneByteThenStallAsync(firstByte, ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath, new QmpClientOptions { SendQueueCapacity = 1 });
        Task<JsonElement> blob = client.ExecuteAsync("blob", Blob);
        await firstByte.Task.WaitAsync(QmpTimeouts.MustComplete);
        using var firstCts = new CancellationTokenSource();
        Task<JsonElement> first = client.ExecuteAsync("fills-the-queue", null, firstCts.Token);
        using FileStream file = File.OpenRead(typeof(QmpSendQueueTests).Assembly.Location);

        await Assert.ThrowsAsync<QmpSendQueueFullException>(
            () => client.GetFdAsync("refused", file.SafeFileHandle).WaitAsync(QmpTimeouts.Prompt));

        firstCts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.WaitAsync(QmpTimeouts.MustComplete));
        using var secondCts = new CancellationTokenSource();
        Task second = client.GetFdAsync("second", file.SafeFileHandle, secondCts.Token);
        Assert.Equal(1, client.QueuedCommandCount); // through the gate and queued, not waiting for it
        secondCts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second.WaitAsync(QmpTimeouts.MustComplete));
        Assert.Equal(0, client.QueuedCommandCount);
    }

    [Fact]
    public async Task ZeroSendQueueCapacity_IsRefused()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => QmpClient.ConnectAsync("/nonexistent/qmp.sock", new QmpClientOptions { SendQueueCapacity = 0 }));
    }
}
