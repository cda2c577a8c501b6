using System.Diagnostics;
using System.Text.Json;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Qmp;

/// <summary>Against real QEMU (<c>-M none</c>): the handshake, queries, run-state commands and their events, errors, quit.</summary>
public sealed class QmpLifecycleTests
{
    [QemuFact]
    public async Task Connect_ReadsGreetingOfQemu72_AndNegotiatesOob()
    {
        using QemuProcess qemu = QemuProcess.StartNone();

        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath, QmpTimeouts.MustCompleteToken());

        Assert.Equal(7, client.Greeting.Version.Major);
        Assert.Equal(2, client.Greeting.Version.Minor);
        Assert.True(client.Greeting.Version.Micro >= 0);
        Assert.Contains("oob", client.Greeting.Capabilities);
        Assert.Equal(new[] { "oob" }, client.EnabledCapabilities);
        Assert.True(client.IsConnected);
        Assert.Equal(qemu.SocketPath, client.SocketPath);
    }

    [QemuFact]
    public async Task QueryVersion_MatchesTheGreeting()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);

        QmpVersion version = await client.QueryVersionAsync(QmpTimeouts.MustCompleteToken());

        Assert.Equal(client.Greeting.Version.ToString(), version.ToString());
        Assert.Equal((7, 2), (version.Major, version.Minor));
    }

    [QemuFact]
    public async Task QueryStatus_OfMachineNone_IsRunning()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);

        QmpStatus status = await client.QueryStatusAsync(QmpTimeouts.MustCompleteToken());

        Assert.Equal("running", status.Status);
        Assert.True(status.Running);
    }

    [QemuFact]
    public async Task QueryCommands_ListsWhatTheWrappersUse()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);

        IReadOnlyList<string> commands = await client.QueryCommandsAsync(QmpTimeouts.MustCompleteToken());

        foreach (string command in new[] { "query-status", "stop", "cont", "quit", "getfd", "add-fd", "blockdev-change-medium", "device_del", "eject" })
        {
            Assert.Contains(command, commands);
        }
    }

    [QemuFact]
    public async Task StopThenCont_EmitStopAndResume_AndChangeTheStatus()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        CancellationToken ct = QmpTimeouts.MustCompleteToken();

        using (QmpEventWaiter stopped = client.WaitForEvent("STOP"))
        {
            await client.StopAsync(ct);
            // QEMU sends STOP before the reply: the waiter, registered first, has it already.
            Assert.True(stopped.Task.IsCompleted, "STOP arrives before stop's reply");
            QmpEvent e = await stopped.WaitAsync(ct);
            Assert.Equal("STOP", e.Name);
            Assert.InRange(e.Timestamp, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
        }

        QmpStatus paused = await client.QueryStatusAsync(ct);
        Assert.Equal("paused", paused.Status);
        Assert.False(paused.Running);

        using (QmpEventWaiter resumed = client.WaitForEvent("RESUME"))
        {
            await client.ContAsync(ct);
            Assert.Equal("RESUME", (await resumed.WaitAsync(ct)).Name);
        }

        Assert.True((await client.QueryStatusAsync(ct)).Running);
    }

    [QemuFact]
    public async Task SystemReset_EmitsReset_AndSystemPowerdown_EmitsPowerdown()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        CancellationToken ct = QmpTimeouts.MustCompleteToken();

        using QmpEventWaiter reset = client.WaitForEvent("RESET");
        await client.SystemResetAsync(ct);
        QmpEvent resetEvent = await reset.WaitAsync(ct);
        Assert.Equal("host-qmp-system-reset", resetEvent.Data.GetProperty("reason").GetString());

        using QmpEventWaiter powerdown = client.WaitForEvent("POWERDOWN");
        await client.SystemPowerdownAsync(ct);
        Assert.Equal("POWERDOWN", (await powerdown.WaitAsync(ct)).Name);
    }

    [QemuFact]
    public async Task Events_StreamsStopAndResume_InOrder()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        CancellationToken ct = QmpTimeouts.MustCompleteToken();

        await client.StopAsync(ct);
        await client.ContAsync(ct);

        var names = new List<string>();
        await foreach (QmpEvent e in client.Events.WithCancellation(ct))
        {
            names.Add(e.Name);
            if (names.Count == 2)
            {
                break;
            }
        }

        Assert.Equal(new[] { "STOP", "RESUME" }, names);
        Assert.Equal(0, client.DroppedEventCount);
    }

    [QemuFact]
    public async Task UnknownCommand_ThrowsCommandNotFound_AndTheConnectionStaysUsable()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        CancellationToken ct = QmpTimeouts.MustCompleteToken();

        QmpCommandException error = await Assert.ThrowsAsync<QmpCommandException>(() => client.ExecuteAsync("no-such-command", null, ct));

        Assert.Equal("CommandNotFound", error.Class);
        Assert.Equal("no-such-command", error.Command);
        Assert.Contains("no-such-command", error.Description);
        Assert.True((await client.QueryStatusAsync(ct)).Running);
    }

    [QemuFact]
    public async Task BadArguments_ThrowGenericError()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        CancellationToken ct = QmpTimeouts.MustCompleteToken();

        QmpCommandException error = await Assert.ThrowsAsync<QmpCommandException>(
            () => client.ExecuteAsync("query-status", new { bogus = 1 }, ct));

        Assert.Equal("GenericError", error.Class);
        Assert.Contains("bogus", error.Description);
    }

    [QemuFact]
    public async Task ExecuteAsync_ReturnsTheReturnMember_DetachedFromTheWire()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        CancellationToken ct = QmpTimeouts.MustCompleteToken();

        JsonElement status = await client.ExecuteAsync("query-status", null, ct);
        await client.StopAsync(ct); // more traffic through the reader's buffers

        Assert.Equal("running", status.GetProperty("status").GetString());
    }

    [QemuFact]
    public async Task BlockdevAddAndDel_NullCoNode()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        CancellationToken ct = QmpTimeouts.MustCompleteToken();

        await client.BlockdevAddAsync(new System.Text.Json.Nodes.JsonObject { ["driver"] = "null-co", ["node-name"] = "null0" }, ct);
        JsonElement nodes = await client.ExecuteAsync("query-named-block-nodes", null, ct);
        Assert.Contains(nodes.EnumerateArray(), n => n.GetProperty("node-name").GetString() == "null0");

        QmpCommandException duplicate = await Assert.ThrowsAsync<QmpCommandException>(
            () => client.BlockdevAddAsync(new Dictionary<string, string> { ["driver"] = "null-co", ["node-name"] = "null0" }, ct));
        Assert.Equal("GenericError", duplicate.Class);

        await client.BlockdevDelAsync("null0", ct);
        nodes = await client.ExecuteAsync("query-named-block-nodes", null, ct);
        Assert.DoesNotContain(nodes.EnumerateArray(), n => n.GetProperty("node-name").GetString() == "null0");
    }

    [QemuFact]
    public async Task DeviceAdd_OnMachineNone_FailsWithQemusError()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);

        QmpCommandException error = await Assert.ThrowsAsync<QmpCommandException>(
            () => client.DeviceAddAsync("e1000", "nic0", null, QmpTimeouts.MustCompleteToken()));

        Assert.Equal("GenericError", error.Class);
    }

    [QemuFact]
    public async Task Quit_EmitsShutdownThenEof_Succeeds_AndLaterCallsFailDisconnected()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        CancellationToken ct = QmpTimeouts.MustCompleteToken();

        using QmpEventWaiter shutdown = client.WaitForEvent("SHUTDOWN");
        await client.QuitAsync(ct);

        QmpEvent e = await shutdown.WaitAsync(ct);
        Assert.Equal("host-qmp-quit", e.Data.GetProperty("reason").GetString());
        Assert.False(client.IsConnected);
        Assert.True(client.Closed.IsCompleted);
        await Assert.ThrowsAsync<QmpDisconnectedException>(() => client.QueryStatusAsync(ct));
        await Assert.ThrowsAsync<QmpDisconnectedException>(() => client.QuitAsync(ct));
        Assert.True(qemu.WaitForExit(QmpTimeouts.MustComplete), "QEMU exits after quit");

        QmpDisconnectedException waiter = await Assert.ThrowsAsync<QmpDisconnectedException>(() => client.WaitForEvent("STOP").Task);
        Assert.Contains(qemu.SocketPath, waiter.Message);
    }

    [QemuFact]
    public async Task SecondClient_GetsNoGreetingWhileTheFirstIsConnected_WithinTheConnectTimeout()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient first = await QmpClient.ConnectAsync(qemu.SocketPath);
        var options = new QmpClientOptions { ConnectTimeout = TimeSpan.FromMilliseconds(500) };

        var clock = Stopwatch.StartNew();
        QmpGreetingException error = await Assert.ThrowsAsync<QmpGreetingException>(() => QmpClient.ConnectAsync(qemu.SocketPath, options));
        clock.Stop();

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(5));
        Assert.Contains("another client", error.Message);
        Assert.True((await first.QueryStatusAsync(QmpTimeouts.MustCompleteToken())).Running, "the first client is unaffected");

        await first.DisposeAsync();
        await using QmpClient second = await QmpClient.ConnectAsync(qemu.SocketPath, QmpTimeouts.MustCompleteToken());
        Assert.True((await second.QueryStatusAsync(QmpTimeouts.MustCompleteToken())).Running);
    }

    [Fact]
    public async Task Connect_ToMissingSocket_ThrowsQmpConnectException()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tsqmp-missing-{Guid.NewGuid():N}.sock");

        QmpConnectException error = await Assert.ThrowsAsync<QmpConnectException>(() => QmpClient.ConnectAsync(path));

        Assert.Equal(path, error.SocketPath);
        Assert.IsAssignableFrom<QmpException>(error);
    }

    [Fact]
    public async Task Connect_WithCancelledToken_ThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => QmpClient.ConnectAsync("/nonexistent.sock", cts.Token));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    public async Task Connect_WithInvalidOptions_ThrowsArgumentOutOfRange(int maxLineBytes)
    {
        var options = new QmpClientOptions { MaxLineBytes = maxLineBytes };

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => QmpClient.ConnectAsync("/nonexistent.sock", options));
    }
}
