using System.Diagnostics;
using System.Text.Json;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Qmp;

/// <summary>
/// A peer that dribbles one byte every few milliseconds and never ends its line: every byte
/// resets no timer. The greeting fails at the connect timeout, a call at its cancellation, and
/// the line bound (<see cref="QmpClientOptions.MaxLineBytes"/>) holds however slowly the line comes.
/// </summary>
public sealed class QmpSlowlorisTests
{
    [Fact]
    public async Task DribbledGreeting_FailsAtTheConnectTimeout()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(
            (peer, ct) => peer.DribbleAsync(FakeQmpPeer.Greeting, (byte)' ', TimeSpan.FromMilliseconds(5), ct));
        var options = new QmpClientOptions { ConnectTimeout = TimeSpan.FromMilliseconds(800) };

        var clock = Stopwatch.StartNew();
        QmpGreetingException error = await Assert.ThrowsAsync<QmpGreetingException>(
            () => QmpClient.ConnectAsync(server.SocketPath, options).WaitAsync(QmpTimeouts.MustComplete));

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(700), TimeSpan.FromSeconds(5));
        Assert.Contains("800 ms", error.Message);
        await server.WaitAsync(); // the dribbler saw the client close
    }

    [Fact]
    public async Task DribbledGreeting_PastTheLineBound_FailsBeforeTheConnectTimeout()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(
            (peer, ct) => peer.DribbleAsync("{\"QMP\": {\"pad\": \"", (byte)'x', TimeSpan.FromMilliseconds(1), ct));
        var options = new QmpClientOptions { ConnectTimeout = TimeSpan.FromSeconds(30), MaxLineBytes = 256 };

        QmpGreetingException error = await Assert.ThrowsAsync<QmpGreetingException>(
            () => QmpClient.ConnectAsync(server.SocketPath, options).WaitAsync(TimeSpan.FromSeconds(15)));

        Assert.IsType<QmpProtocolException>(error.InnerException);
        Assert.Contains("256", error.Message);
        await server.WaitAsync();
    }

    [Fact]
    public async Task DribbledReply_FailsTheCallAtItsCancellation_ThenTheLineBoundClosesTheConnection()
    {
        var dribbling = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            JsonElement command = await peer.ExpectCommandAsync(ct, "query-status");
            dribbling.TrySetResult();
            await peer.DribbleAsync("{\"id\": " + FakeQmpPeer.Id(command) + ", \"return\": {\"status\": \"running\", \"pad\": \"", (byte)'x',
                TimeSpan.FromMilliseconds(2), ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath, new QmpClientOptions { MaxLineBytes = 512 });

        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();
        Task<QmpStatus> call = client.QueryStatusAsync(deadline.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(QmpTimeouts.MustComplete));
        TimeSpan cancelledAfter = clock.Elapsed;
        Assert.True(dribbling.Task.IsCompleted, "the reply was being dribbled while the call waited");
        Assert.True(cancelledAfter < TimeSpan.FromMilliseconds(300) + QmpTimeouts.Prompt, $"cancelled after {cancelledAfter.TotalMilliseconds:0} ms");

        // The dribble goes on; at 512 bytes without a newline the reader gives up on the line.
        await client.Closed.WaitAsync(QmpTimeouts.MustComplete);
        QmpDisconnectedException later = await Assert.ThrowsAsync<QmpDisconnectedException>(() => client.QueryStatusAsync());
        QmpProtocolException cause = Assert.IsType<QmpProtocolException>(later.InnerException);
        Assert.Contains("512", cause.Message);
        await server.WaitAsync();
    }
}
