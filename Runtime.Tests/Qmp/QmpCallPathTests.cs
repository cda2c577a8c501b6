using System.Text.Json;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Qmp;

/// <summary>
/// The call path's promises, whatever shortcut a future optimisation takes (issue 10 tried a
/// caller-writes-its-own-line path and measured no gain): a caller's code never runs on the
/// reader, lines keep call order, and a bad result never drops the connection.
/// </summary>
public sealed class QmpCallPathTests
{
    [QemuFact]
    public async Task CallerContinuationThatBlocks_DoesNotStallTheReader()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        using var release = new ManualResetEventSlim();
        var blockedOn = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        // Continuations attached synchronously (ExecuteSynchronously): had the reply completed the
        // call inline, these would run on the reader and block it.
        Task typed = client.QueryStatusAsync().ContinueWith(_ =>
        {
            blockedOn.TrySetResult(Environment.CurrentManagedThreadId);
            release.Wait();
        }, TaskContinuationOptions.ExecuteSynchronously);
        Task untyped = client.ExecuteAsync("query-status").ContinueWith(_ => release.Wait(), TaskContinuationOptions.ExecuteSynchronously);
        try
        {
            await blockedOn.Task.WaitAsync(QmpTimeouts.MustComplete);

            // Both continuations may be blocked now; the reader must still deliver further replies.
            for (int i = 0; i < 20; i++)
            {
                QmpStatus status = await client.QueryStatusAsync().WaitAsync(QmpTimeouts.MustComplete);
                Assert.Equal("running", status.Status);
            }
        }
        finally
        {
            release.Set(); // a failure must not leave the reader blocked and the disposal hanging
        }

        await Task.WhenAll(typed, untyped).WaitAsync(QmpTimeouts.MustComplete);
    }

    [Fact]
    public async Task TypedResultThatIsMalformed_FailsThatCallOnly_AndTheConnectionStays()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            JsonElement bad = await peer.ExpectCommandAsync(ct, "query-status");
            await peer.ReplyAsync(bad, """{"status": 7}""", ct); // parsed on the reader: must not kill it
            JsonElement good = await peer.ExpectCommandAsync(ct, "query-status");
            await peer.ReplyAsync(good, """{"status": "paused", "running": false}""", ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);

        await Assert.ThrowsAsync<QmpProtocolException>(() => client.QueryStatusAsync().WaitAsync(QmpTimeouts.MustComplete));
        QmpStatus status = await client.QueryStatusAsync().WaitAsync(QmpTimeouts.MustComplete);

        Assert.Equal("paused", status.Status);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task LinesWrittenDirectlyAndThroughTheQueue_ArriveInCallOrder()
    {
        const int Calls = 300;
        var order = new List<string>();
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            for (int i = 0; i < Calls; i++)
            {
                JsonElement command = await peer.ExpectCommandAsync(ct);
                order.Add(command.GetProperty("execute").GetString()!);
                await peer.ReplyAsync(command, "{}", ct);
            }

            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);

        // From one thread, so call order is defined; some go straight out, some queue behind them.
        Task<JsonElement>[] calls = Enumerable.Range(0, Calls).Select(i => client.ExecuteAsync($"c{i}")).ToArray();
        await Task.WhenAll(calls).WaitAsync(QmpTimeouts.MustComplete);

        Assert.Equal(Enumerable.Range(0, Calls).Select(i => $"c{i}"), order);
    }

    [Fact]
    public async Task CancelledBeforeTheCall_IsACancelledTask_NotAThrow()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Task<QmpStatus> call = client.QueryStatusAsync(cts.Token); // must not throw here, as an async method would not

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.True(call.IsCanceled);
    }
}
