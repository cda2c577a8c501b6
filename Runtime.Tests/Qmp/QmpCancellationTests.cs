using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Qmp;

/// <summary>With the scripted fake server: cancelling calls QEMU does not answer, and disposing the client.</summary>
public sealed class QmpCancellationTests
{
    [Fact]
    public async Task CancelledCall_EndsPromptly_ItsLateReplyIsDropped_AndTheNextCallWorks()
    {
        string? cancelledId = null;
        var slowArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            JsonElement ignored = await peer.ExpectCommandAsync(ct, "slow");
            cancelledId = ignored.GetProperty("id").GetString();
            slowArrived.SetResult();
            JsonElement next = await peer.ExpectCommandAsync(ct, "fast");
            await peer.ReplyAsync(ignored, "\"late\"", ct);
            await peer.ReplyAsync(next, "\"fast\"", ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        var log = new ConcurrentQueue<string>();
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath, new QmpClientOptions { Log = log.Enqueue });
        using var cts = new CancellationTokenSource();

        Task<JsonElement> slow = client.ExecuteAsync("slow", null, cts.Token);
        await slowArrived.Task.WaitAsync(QmpTimeouts.MustComplete); // sent, and never to be answered in time
        var clock = Stopwatch.StartNew();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);
        Assert.True(clock.Elapsed < QmpTimeouts.Prompt, $"cancelled after {clock.Elapsed.TotalMilliseconds:0} ms");

        JsonElement result = await client.ExecuteAsync("fast").WaitAsync(QmpTimeouts.MustComplete);

        Assert.Equal("fast", result.GetString());
        Assert.Contains(log, line => line.Contains(cancelledId!, StringComparison.Ordinal));
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task CallCancelledBeforeItsTurn_IsNeverSent()
    {
        // The writer skips a call abandoned while queued. Whether that happens here depends on
        // timing, so the server accepts either order; what matters is that nothing breaks.
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            while (await peer.ReadCommandAsync(ct) is JsonElement command)
            {
                await peer.ReplyAsync(command, "{}", ct);
            }
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);

        for (int i = 0; i < 50; i++)
        {
            using var cts = new CancellationTokenSource();
            Task<JsonElement> call = client.ExecuteAsync("maybe", null, cts.Token);
            cts.Cancel();
            try
            {
                await call.WaitAsync(QmpTimeouts.MustComplete);
            }
            catch (OperationCanceledException)
            {
            }
        }

        await client.ExecuteAsync("last").WaitAsync(QmpTimeouts.MustComplete);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task AlreadyCancelledToken_NeverSendsTheCommand()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            JsonElement command = await peer.ExpectCommandAsync(ct, "second"); // "first" never arrives
            await peer.ReplyAsync(command, "{}", ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ExecuteAsync("first", null, cancelled.Token));
        await client.ExecuteAsync("second").WaitAsync(QmpTimeouts.MustComplete);
        await client.DisposeAsync();

        await server.WaitAsync();
    }

    [Fact]
    public async Task Dispose_FailsPendingCallsAndWaiters_LaterCallsThrowObjectDisposed()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);
        Task<JsonElement> pending = client.ExecuteAsync("never-answered");
        QmpEventWaiter waiter = client.WaitForEvent("NEVER");

        await client.DisposeAsync();
        await client.DisposeAsync(); // idempotent

        QmpDisconnectedException error = await Assert.ThrowsAsync<QmpDisconnectedException>(() => pending.WaitAsync(QmpTimeouts.MustComplete));
        Assert.Contains("disposed", error.Message);
        await Assert.ThrowsAsync<QmpDisconnectedException>(() => waiter.Task);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.ExecuteAsync("late"));
        Assert.True(client.Closed.IsCompleted);
        await server.WaitAsync(); // the server saw the close
    }
}
