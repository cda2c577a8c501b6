using System.Diagnostics;
using System.Text.Json;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Qmp;

/// <summary>With the scripted fake server: what goes wrong between connect and a negotiated connection.</summary>
public sealed class QmpHandshakeTests
{
    [Fact]
    public async Task GreetingWithOob_NegotiatesWithEnableOob()
    {
        JsonElement? negotiation = null;
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.SendGreetingAsync(ct);
            JsonElement command = await peer.ExpectCommandAsync(ct, "qmp_capabilities");
            negotiation = command;
            await peer.ReplyAsync(command, "{}", ct);
            await peer.WaitForClientCloseAsync(ct);
        });

        await using (QmpClient client = await QmpClient.ConnectAsync(server.SocketPath, QmpTimeouts.MustCompleteToken()))
        {
            Assert.Equal(new[] { "oob" }, client.EnabledCapabilities);
            Assert.Equal("7.2.0 (fake)", client.Greeting.Version.ToString());
        }

        await server.WaitAsync();
        JsonElement arguments = negotiation!.Value.GetProperty("arguments");
        Assert.Equal("""["oob"]""", arguments.GetProperty("enable").GetRawText());
        Assert.Equal(JsonValueKind.String, negotiation.Value.GetProperty("id").ValueKind);
    }

    [Fact]
    public async Task GreetingWithoutOob_NegotiatesWithoutArguments()
    {
        JsonElement? negotiation = null;
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.SendLineAsync(FakeQmpPeer.GreetingWithoutOob, ct);
            JsonElement command = await peer.ExpectCommandAsync(ct, "qmp_capabilities");
            negotiation = command;
            await peer.ReplyAsync(command, "{}", ct);
            await peer.WaitForClientCloseAsync(ct);
        });

        await using (QmpClient client = await QmpClient.ConnectAsync(server.SocketPath, QmpTimeouts.MustCompleteToken()))
        {
            Assert.Empty(client.EnabledCapabilities);
            Assert.Empty(client.Greeting.Capabilities);
        }

        await server.WaitAsync();
        Assert.False(negotiation!.Value.TryGetProperty("arguments", out _));
    }

    [Fact]
    public async Task EventBeforeGreeting_IsKeptForTheEventStream()
    {
        // Seen with QEMU 7.2: a client connecting while QEMU starts may get RESUME before the greeting.
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.EventAsync("RESUME", null, 1_700_000_000, 5, ct);
            await peer.NegotiateAsync(ct);
            await peer.WaitForClientCloseAsync(ct);
        });

        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath, QmpTimeouts.MustCompleteToken());

        await foreach (QmpEvent e in client.Events.WithCancellation(QmpTimeouts.MustCompleteToken()))
        {
            Assert.Equal("RESUME", e.Name);
            break;
        }

        Assert.Equal(7, client.Greeting.Version.Major);
    }

    [Fact]
    public async Task EofBeforeGreeting_ThrowsQmpGreetingException()
    {
        await using FakeQmpServer server = FakeQmpServer.Start((peer, ct) =>
        {
            peer.Close();
            return Task.CompletedTask;
        });

        QmpGreetingException error = await Assert.ThrowsAsync<QmpGreetingException>(() => QmpClient.ConnectAsync(server.SocketPath));

        Assert.Contains("closed before the greeting", error.Message);
        Assert.Equal(server.SocketPath, error.SocketPath);
    }

    [Fact]
    public async Task EofMidGreeting_ThrowsQmpGreetingException()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.SendRawAsync("""{"QMP": {"version": {"qemu": {"mic""", ct);
            peer.Close();
        });

        QmpGreetingException error = await Assert.ThrowsAsync<QmpGreetingException>(() => QmpClient.ConnectAsync(server.SocketPath));

        Assert.Contains("middle of the greeting", error.Message);
    }

    [Theory]
    [InlineData("""{"return": {}}""")]
    [InlineData("""{"QMP": {"capabilities": []}}""")]
    [InlineData("""{"QMP": {"version": {"qemu": {"major": "seven", "minor": 2, "micro": 0}}}}""")]
    [InlineData("""[1, 2, 3]""")]
    [InlineData("""{"QMP": not json""")]
    public async Task NotAGreeting_ThrowsQmpGreetingException(string line)
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.SendLineAsync(line, ct);
            await peer.WaitForClientCloseAsync(ct);
        });

        QmpGreetingException error = await Assert.ThrowsAsync<QmpGreetingException>(() => QmpClient.ConnectAsync(server.SocketPath));

        Assert.IsType<QmpProtocolException>(error.InnerException);
        await server.WaitAsync(); // the client closed its socket
    }

    [Fact]
    public async Task NoGreeting_FailsWithinTheConnectTimeout()
    {
        await using FakeQmpServer server = FakeQmpServer.Start((peer, ct) => peer.WaitForClientCloseAsync(ct));
        var options = new QmpClientOptions { ConnectTimeout = TimeSpan.FromMilliseconds(300) };

        var clock = Stopwatch.StartNew();
        QmpGreetingException error = await Assert.ThrowsAsync<QmpGreetingException>(() => QmpClient.ConnectAsync(server.SocketPath, options));
        clock.Stop();

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3));
        Assert.Contains("300 ms", error.Message);
        await server.WaitAsync();
    }

    [Fact]
    public async Task NoGreeting_CallerCancellation_IsOperationCanceled_NotATimeout()
    {
        await using FakeQmpServer server = FakeQmpServer.Start((peer, ct) => peer.WaitForClientCloseAsync(ct));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => QmpClient.ConnectAsync(server.SocketPath, cts.Token));
    }

    [Fact]
    public async Task NegotiationRefused_ThrowsQmpNegotiationException_WithQemusError()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.SendGreetingAsync(ct);
            JsonElement command = await peer.ExpectCommandAsync(ct, "qmp_capabilities");
            await peer.ErrorAsync(command, "CommandNotFound", "Capabilities negotiation is already complete, command ignored", ct);
            await peer.WaitForClientCloseAsync(ct);
        });

        QmpNegotiationException error = await Assert.ThrowsAsync<QmpNegotiationException>(() => QmpClient.ConnectAsync(server.SocketPath));

        QmpCommandException cause = Assert.IsType<QmpCommandException>(error.InnerException);
        Assert.Equal("CommandNotFound", cause.Class);
        await server.WaitAsync(); // the client closed its socket
    }

    [Fact]
    public async Task EofDuringNegotiation_ThrowsQmpNegotiationException()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.SendGreetingAsync(ct);
            await peer.ExpectCommandAsync(ct, "qmp_capabilities");
            peer.Close();
        });

        QmpNegotiationException error = await Assert.ThrowsAsync<QmpNegotiationException>(() => QmpClient.ConnectAsync(server.SocketPath));

        Assert.IsType<QmpDisconnectedException>(error.InnerException);
    }

    [Fact]
    public async Task NoNegotiationReply_FailsWithinTheConnectTimeout()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.SendGreetingAsync(ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        // Long enough that the fake server surely greets in time, even on a loaded machine.
        var options = new QmpClientOptions { ConnectTimeout = TimeSpan.FromSeconds(2) };

        var clock = Stopwatch.StartNew();
        QmpNegotiationException error = await Assert.ThrowsAsync<QmpNegotiationException>(() => QmpClient.ConnectAsync(server.SocketPath, options));

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(1900), TimeSpan.FromSeconds(10));
        Assert.Contains("2000 ms", error.Message);
        await server.WaitAsync();
    }
}
