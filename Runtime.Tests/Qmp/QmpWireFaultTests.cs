using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Qmp;

/// <summary>
/// With the scripted fake server: lines real QEMU does not send. Protocol violations close the
/// connection and fail the pending calls; a stray reply is only dropped.
/// </summary>
public sealed class QmpWireFaultTests
{
    [Fact]
    public async Task MalformedJsonLine_FailsPendingCallWithProtocolError_AndClosesTheConnection()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            await peer.ExpectCommandAsync(ct, "query-status");
            await peer.SendLineAsync("""{"return": {"status": running}}""", ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);

        QmpProtocolException error = await Assert.ThrowsAsync<QmpProtocolException>(
            () => client.QueryStatusAsync().WaitAsync(QmpTimeouts.MustComplete));

        Assert.Contains("not JSON", error.Message);
        Assert.Contains("running", error.Message); // the offending line, for diagnosis
        QmpDisconnectedException later = await Assert.ThrowsAsync<QmpDisconnectedException>(() => client.QueryStatusAsync());
        Assert.IsType<QmpProtocolException>(later.InnerException);
        Assert.False(client.IsConnected);
        await server.WaitAsync(); // the client closed its end
    }

    [Fact]
    public async Task OversizedLineWithoutNewline_FailsWithProtocolError_AfterReadingOnlyAboutTheLimit()
    {
        const int Limit = 64 * 1024;
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            await peer.ExpectCommandAsync(ct, "query-status");
            await peer.SendRawAsync("{\"return\": {\"status\": \"", ct);
            byte[] chunk = new byte[64 * 1024];
            Array.Fill(chunk, (byte)'a');
            try
            {
                for (int i = 0; i < 16; i++) // 1 MiB, never a newline
                {
                    await peer.SendRawAsync(System.Text.Encoding.ASCII.GetString(chunk), ct);
                }
            }
            catch (IOException)
            {
                // The client gave up and closed: the rest was never read.
            }

            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath, new QmpClientOptions { MaxLineBytes = Limit });

        QmpProtocolException error = await Assert.ThrowsAsync<QmpProtocolException>(
            () => client.QueryStatusAsync().WaitAsync(QmpTimeouts.MustComplete));

        Assert.Contains("65536", error.Message);
        await Assert.ThrowsAsync<QmpDisconnectedException>(() => client.QueryStatusAsync());
        await server.WaitAsync();
    }

    [Fact]
    public async Task EndlessLine_IsCutOffAtTheLimit_TheServerCannotPushMuchMore()
    {
        // If the client buffered the line to the end it would never end: the server offers 1 GiB.
        const int Limit = 64 * 1024;
        long written = 0;
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            await peer.ExpectCommandAsync(ct, "query-status");
            string chunk = new('b', 64 * 1024);
            try
            {
                while (written < 1024L * 1024 * 1024)
                {
                    await peer.SendRawAsync(chunk, ct);
                    written += chunk.Length;
                }
            }
            catch (IOException)
            {
            }
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath, new QmpClientOptions { MaxLineBytes = Limit });

        await Assert.ThrowsAsync<QmpProtocolException>(() => client.QueryStatusAsync().WaitAsync(QmpTimeouts.MustComplete));
        await server.WaitAsync();

        // What the client read, plus what the kernel's socket buffers held when it closed.
        Assert.True(written < 32L * 1024 * 1024, $"the server pushed {written} bytes before the client closed");
    }

    [Fact]
    public async Task OversizedCompleteLine_FailsWithProtocolError()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            JsonElement command = await peer.ExpectCommandAsync(ct, "query-status");
            await peer.ReplyAsync(command, $"\"{new string('c', 2000)}\"", ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath, new QmpClientOptions { MaxLineBytes = 1024 });

        await Assert.ThrowsAsync<QmpProtocolException>(() => client.ExecuteAsync("query-status").WaitAsync(QmpTimeouts.MustComplete));
    }

    [Fact]
    public async Task ErrorReplyWithoutId_IsAProtocolError_ThatFailsEveryPendingCall()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            await peer.ExpectCommandAsync(ct);
            await peer.ExpectCommandAsync(ct);
            await peer.SendLineAsync("""{"error": {"class": "GenericError", "desc": "JSON parse error, invalid keyword"}}""", ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);

        Task<JsonElement> first = client.ExecuteAsync("query-status");
        Task<JsonElement> second = client.ExecuteAsync("query-version");

        QmpProtocolException error = await Assert.ThrowsAsync<QmpProtocolException>(() => first.WaitAsync(QmpTimeouts.MustComplete));
        await Assert.ThrowsAsync<QmpProtocolException>(() => second.WaitAsync(QmpTimeouts.MustComplete));
        Assert.Contains("without an id", error.Message);
        Assert.Contains("JSON parse error", error.Message);
        await Assert.ThrowsAsync<QmpDisconnectedException>(() => client.ExecuteAsync("query-status"));
        await server.WaitAsync();
    }

    [Theory]
    [InlineData("""{"return": {"status": "stale"}, "id": "ts-bogus-1"}""", "ts-bogus-1")]
    [InlineData("""{"return": {"status": "stale"}, "id": 17}""", "17")]
    [InlineData("""{"return": {"status": "stale"}}""", "(none)")]
    [InlineData("""{"id": "ts-bogus-2", "error": {"class": "GenericError", "desc": "stale"}}""", "ts-bogus-2")]
    public async Task ReplyWithUnknownId_IsDroppedAndLogged_AndCallsStillWork(string stray, string loggedId)
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            JsonElement command = await peer.ExpectCommandAsync(ct, "query-status");
            await peer.SendLineAsync(stray, ct);
            await peer.ReplyAsync(command, """{"status": "running", "running": true}""", ct);
            command = await peer.ExpectCommandAsync(ct, "query-status");
            await peer.ReplyAsync(command, """{"status": "paused", "running": false}""", ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        var log = new ConcurrentQueue<string>();
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath, new QmpClientOptions { Log = log.Enqueue });

        QmpStatus first = await client.QueryStatusAsync().WaitAsync(QmpTimeouts.MustComplete);
        QmpStatus second = await client.QueryStatusAsync().WaitAsync(QmpTimeouts.MustComplete);

        Assert.Equal("running", first.Status);
        Assert.Equal("paused", second.Status);
        string line = Assert.Single(log);
        Assert.Contains("unknown id", line);
        Assert.Contains(loggedId, line);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task ThrowingLogCallback_DoesNotBreakTheConnection()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            JsonElement command = await peer.ExpectCommandAsync(ct);
            await peer.SendLineAsync("""{"return": {}, "id": "nobody"}""", ct);
            await peer.SendLineAsync("""{"something": "else"}""", ct);
            await peer.ReplyAsync(command, "42", ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        var options = new QmpClientOptions { Log = _ => throw new InvalidOperationException("logger broke") };
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath, options);

        JsonElement result = await client.ExecuteAsync("anything").WaitAsync(QmpTimeouts.MustComplete);

        Assert.Equal(42, result.GetInt32());
    }

    [Fact]
    public async Task NonObjectMessage_IsAProtocolError()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            await peer.ExpectCommandAsync(ct);
            await peer.SendLineAsync("""["return", {}]""", ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);

        await Assert.ThrowsAsync<QmpProtocolException>(() => client.ExecuteAsync("query-status").WaitAsync(QmpTimeouts.MustComplete));
    }

    [Fact]
    public async Task BlankLines_AreIgnored()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            JsonElement command = await peer.ExpectCommandAsync(ct);
            await peer.SendRawAsync("\r\n\n  \r\n", ct);
            await peer.ReplyAsync(command, "true", ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);

        Assert.True((await client.ExecuteAsync("x").WaitAsync(QmpTimeouts.MustComplete)).GetBoolean());
    }

    [Fact]
    public async Task EofMidReply_FailsEveryPendingCallDisconnected_AndLaterCallsAtOnce()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            await peer.ExpectCommandAsync(ct);
            await peer.ExpectCommandAsync(ct);
            await peer.SendRawAsync("""{"return": {"status": "runn""", ct);
            peer.Close();
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);
        Task<QmpEvent> waiter = client.WaitForEvent("SHUTDOWN").Task;

        Task<QmpStatus> first = client.QueryStatusAsync();
        Task<QmpVersion> second = client.QueryVersionAsync();

        QmpDisconnectedException error = await Assert.ThrowsAsync<QmpDisconnectedException>(() => first.WaitAsync(QmpTimeouts.MustComplete));
        await Assert.ThrowsAsync<QmpDisconnectedException>(() => second.WaitAsync(QmpTimeouts.MustComplete));
        await Assert.ThrowsAsync<QmpDisconnectedException>(() => waiter.WaitAsync(QmpTimeouts.MustComplete));
        Assert.Contains("middle of a message", error.Message);

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<QmpDisconnectedException>(() => client.QueryStatusAsync());
        Assert.True(clock.Elapsed < QmpTimeouts.Prompt);
        Assert.True(client.Closed.IsCompleted);
    }

    [Fact]
    public async Task QuitAnsweredByEofAlone_Succeeds()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            await peer.ExpectCommandAsync(ct, "quit");
            await peer.EventAsync("SHUTDOWN", """{"guest": false, "reason": "host-qmp-quit"}""", 1, 0, ct);
            peer.Close(); // no reply: QEMU may exit before sending it
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);

        await client.QuitAsync().WaitAsync(QmpTimeouts.MustComplete);

        await Assert.ThrowsAsync<QmpDisconnectedException>(() => client.QueryStatusAsync());
    }

    [Fact]
    public async Task RepliesOutOfOrder_EachReachesItsOwnCall()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            var commands = new List<JsonElement>();
            for (int i = 0; i < 5; i++)
            {
                commands.Add(await peer.ExpectCommandAsync(ct, "echo"));
            }

            commands.Reverse();
            foreach (JsonElement command in commands)
            {
                await peer.ReplyAsync(command, command.GetProperty("arguments").GetRawText(), ct);
            }

            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);

        Task<JsonElement>[] calls = Enumerable.Range(0, 5).Select(i => client.ExecuteAsync("echo", new { n = i })).ToArray();
        JsonElement[] results = await Task.WhenAll(calls).WaitAsync(QmpTimeouts.MustComplete);

        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(i, results[i].GetProperty("n").GetInt32());
        }
    }

    [Fact]
    public async Task Commands_CarryFreshStringIds_AndTheirArguments()
    {
        var seen = new List<JsonElement>();
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            for (int i = 0; i < 3; i++)
            {
                JsonElement command = await peer.ExpectCommandAsync(ct);
                seen.Add(command);
                await peer.ReplyAsync(command, "{}", ct);
            }

            await peer.WaitForClientCloseAsync(ct);
        });
        await using (QmpClient client = await QmpClient.ConnectAsync(server.SocketPath))
        {
            await client.ExecuteAsync("one").WaitAsync(QmpTimeouts.MustComplete);
            await client.ExecuteAsync("two", new Dictionary<string, object?> { ["node-name"] = "n0", ["skipped"] = null }).WaitAsync(QmpTimeouts.MustComplete);
            using JsonDocument arguments = JsonDocument.Parse("""{"a": [1, "é\n"]}""");
            await client.ExecuteAsync("three", arguments.RootElement).WaitAsync(QmpTimeouts.MustComplete);
        }

        await server.WaitAsync();
        Assert.Equal(new[] { "one", "two", "three" }, seen.Select(c => c.GetProperty("execute").GetString()));
        Assert.All(seen, c => Assert.Equal(JsonValueKind.String, c.GetProperty("id").ValueKind));
        Assert.Equal(3, seen.Select(c => c.GetProperty("id").GetString()).Distinct().Count());
        Assert.False(seen[0].TryGetProperty("arguments", out _));
        Assert.Equal("n0", seen[1].GetProperty("arguments").GetProperty("node-name").GetString());
        Assert.Equal("é\n", seen[2].GetProperty("arguments").GetProperty("a")[1].GetString());
    }

    [Fact]
    public async Task ArgumentsThatAreNotAnObject_AreRefused()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);

        await Assert.ThrowsAsync<ArgumentException>(() => client.ExecuteAsync("x", 42));
        await Assert.ThrowsAsync<ArgumentException>(() => client.ExecuteAsync("x", new[] { 1, 2 }));
        await Assert.ThrowsAsync<ArgumentException>(() => client.ExecuteAsync(""));
        await Assert.ThrowsAsync<ArgumentException>(() => client.DeviceAddAsync("e1000", "n0", new Dictionary<string, string> { ["id"] = "other" }));
    }
}
