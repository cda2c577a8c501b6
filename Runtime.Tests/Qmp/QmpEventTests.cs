using System.Text.Json;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Qmp;

/// <summary>With the scripted fake server: the event buffer, waiters, and what an event carries.</summary>
public sealed class QmpEventTests
{
    [Fact]
    public async Task Event_CarriesNameDataAndTimestamp()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            await peer.EventAsync("DEVICE_TRAY_MOVED", """{"device": "", "tray-open": true, "id": "cd0"}""", 1_700_000_000, 123_456, ct);
            await peer.EventAsync("STOP", null, 1_700_000_001, 0, ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);

        QmpEvent[] events = await ReadAsync(client, 2);

        Assert.Equal("DEVICE_TRAY_MOVED", events[0].Name);
        Assert.Equal("cd0", events[0].Data.GetProperty("id").GetString());
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(1_234_560), events[0].Timestamp);
        Assert.Equal(TimeSpan.Zero, events[0].Timestamp.Offset);
        Assert.Equal("STOP", events[1].Name);
        Assert.Equal(JsonValueKind.Object, events[1].Data.ValueKind);
        Assert.Empty(events[1].Data.EnumerateObject());
    }

    [Fact]
    public async Task FullBuffer_DropsTheOldest_AndCountsTheDrops()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            JsonElement command = await peer.ExpectCommandAsync(ct);
            for (int i = 1; i <= 5; i++)
            {
                await peer.EventAsync("TICK", $$"""{"n": {{i}}}""", i, 0, ct);
            }

            await peer.ReplyAsync(command, "{}", ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath, new QmpClientOptions { EventBufferCapacity = 2 });

        await client.ExecuteAsync("sync").WaitAsync(QmpTimeouts.MustComplete); // every event was read before its reply

        Assert.Equal(3, client.DroppedEventCount);
        QmpEvent[] kept = await ReadAsync(client, 2);
        Assert.Equal(new[] { 4, 5 }, kept.Select(e => e.Data.GetProperty("n").GetInt32()));
    }

    [Fact]
    public async Task Waiters_SeeEveryEvent_EvenWhenNobodyReadsTheBuffer()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            JsonElement command = await peer.ExpectCommandAsync(ct);
            for (int i = 0; i < 50; i++)
            {
                await peer.EventAsync("TICK", $$"""{"n": {{i}}}""", i, 0, ct);
            }

            await peer.ReplyAsync(command, "{}", ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath, new QmpClientOptions { EventBufferCapacity = 1 });
        using QmpEventWaiter first = client.WaitForEvent("TICK");
        using QmpEventWaiter last = client.WaitForEvent("TICK", e => e.Data.GetProperty("n").GetInt32() == 49);
        using QmpEventWaiter other = client.WaitForEvent("TOCK");

        await client.ExecuteAsync("go").WaitAsync(QmpTimeouts.MustComplete);

        Assert.Equal(0, (await first.WaitAsync().WaitAsync(QmpTimeouts.MustComplete)).Data.GetProperty("n").GetInt32());
        Assert.Equal(49, (await last.WaitAsync().WaitAsync(QmpTimeouts.MustComplete)).Data.GetProperty("n").GetInt32());
        Assert.False(other.Task.IsCompleted);
        Assert.Equal(49, client.DroppedEventCount);
        Assert.Equal("TOCK", other.EventName);
    }

    [Fact]
    public async Task EventBeforeReply_CompletesTheWaiterBeforeTheCall()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            JsonElement command = await peer.ExpectCommandAsync(ct, "stop");
            await peer.EventAsync("STOP", null, 1, 0, ct);
            await peer.ReplyAsync(command, "{}", ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);
        using QmpEventWaiter stopped = client.WaitForEvent("STOP");

        await client.StopAsync().WaitAsync(QmpTimeouts.MustComplete);

        Assert.True(stopped.Task.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task DisposedWaiter_IsCancelled_AndNoLongerServed()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            JsonElement command = await peer.ExpectCommandAsync(ct);
            await peer.EventAsync("STOP", null, 1, 0, ct);
            await peer.ReplyAsync(command, "{}", ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);
        QmpEventWaiter waiter = client.WaitForEvent("STOP");

        waiter.Dispose();
        await client.ExecuteAsync("stop").WaitAsync(QmpTimeouts.MustComplete);

        Assert.True(waiter.Task.IsCanceled);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter.WaitAsync());
    }

    [Fact]
    public async Task ThrowingMatch_FaultsOnlyThatWaiter()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            JsonElement command = await peer.ExpectCommandAsync(ct);
            await peer.EventAsync("STOP", null, 1, 0, ct);
            await peer.ReplyAsync(command, "{}", ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);
        using QmpEventWaiter broken = client.WaitForEvent("STOP", _ => throw new FormatException("bad predicate"));
        using QmpEventWaiter fine = client.WaitForEvent("STOP");

        await client.ExecuteAsync("stop").WaitAsync(QmpTimeouts.MustComplete);

        await Assert.ThrowsAsync<FormatException>(() => broken.Task);
        Assert.Equal("STOP", (await fine.Task).Name);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task WaitAsync_HonoursItsToken()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);
        using QmpEventWaiter waiter = client.WaitForEvent("NEVER");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter.WaitAsync(cts.Token));
    }

    [Fact]
    public async Task Events_EndsWhenTheConnectionCloses_AfterDrainingTheBuffer()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            await peer.EventAsync("A", null, 1, 0, ct);
            await peer.EventAsync("B", null, 2, 0, ct);
            peer.Close();
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);
        await client.Closed.WaitAsync(QmpTimeouts.MustComplete);

        var names = new List<string>();
        await foreach (QmpEvent e in client.Events.WithCancellation(QmpTimeouts.MustCompleteToken()))
        {
            names.Add(e.Name);
        }

        Assert.Equal(new[] { "A", "B" }, names);
    }

    [Fact]
    public void Timestamp_OutOfRange_FallsBackToTheEpoch()
    {
        Assert.Equal(DateTimeOffset.UnixEpoch, QmpEvent.FromUnix(-1, 0));
        Assert.Equal(DateTimeOffset.UnixEpoch, QmpEvent.FromUnix(1, 1_000_000));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1).AddTicks(10), QmpEvent.FromUnix(1, 1));
    }

    private static async Task<QmpEvent[]> ReadAsync(QmpClient client, int count)
    {
        var events = new List<QmpEvent>();
        await foreach (QmpEvent e in client.Events.WithCancellation(QmpTimeouts.MustCompleteToken()))
        {
            events.Add(e);
            if (events.Count == count)
            {
                break;
            }
        }

        return events.ToArray();
    }
}
