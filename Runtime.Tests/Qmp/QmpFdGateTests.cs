using System.Text.Json;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Qmp;

/// <summary>
/// With the scripted fake server: descriptor-carrying commands go one at a time. QEMU keeps only
/// the descriptor it received last, so a second getfd sent before the first ran would steal its
/// descriptor (seen with QEMU 7.2: "No file descriptor supplied via SCM_RIGHTS").
/// </summary>
public sealed class QmpFdGateTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"tsqmp-fd-{Guid.NewGuid():N}");
    private readonly FileStream _stream;

    public QmpFdGateTests()
    {
        File.WriteAllText(_file, "fd");
        _stream = new FileStream(_file, FileMode.Open, FileAccess.Read);
    }

    public void Dispose()
    {
        _stream.Dispose();
        File.Delete(_file);
    }

    [Fact]
    public async Task SecondDescriptor_WaitsForTheFirstReply_OtherCommandsDoNot()
    {
        var order = new List<string>();
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            JsonElement first = await peer.ExpectCommandAsync(ct, "getfd");
            order.Add(first.GetProperty("arguments").GetProperty("fdname").GetString()!);
            JsonElement status = await peer.ExpectCommandAsync(ct);
            order.Add(status.GetProperty("execute").GetString()!);
            await peer.ReplyAsync(status, """{"status": "running", "running": true}""", ct);
            await peer.ReplyAsync(first, "{}", ct);
            JsonElement second = await peer.ExpectCommandAsync(ct, "getfd");
            order.Add(second.GetProperty("arguments").GetProperty("fdname").GetString()!);
            await peer.ReplyAsync(second, "{}", ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);

        Task a = client.GetFdAsync("a", _stream.SafeFileHandle);
        Task b = client.GetFdAsync("b", _stream.SafeFileHandle);
        Task<QmpStatus> status = client.QueryStatusAsync();

        await Task.WhenAll(a, b, status).WaitAsync(QmpTimeouts.MustComplete);
        Assert.Equal(new[] { "a", "query-status", "b" }, order);
    }

    [Fact]
    public async Task CancelledDescriptorCall_HoldsTheGateUntilItsLateReply()
    {
        var order = new List<string>();
        var firstArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lateReplySent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            JsonElement first = await peer.ExpectCommandAsync(ct, "getfd");
            order.Add("a");
            firstArrived.SetResult();
            JsonElement status = await peer.ExpectCommandAsync(ct, "query-status"); // not "b": the gate holds it
            order.Add("query-status");
            await peer.ReplyAsync(status, """{"status": "running", "running": true}""", ct);
            await peer.ReplyAsync(first, "{}", ct); // late: its caller gave up
            lateReplySent.SetResult();
            JsonElement second = await peer.ExpectCommandAsync(ct, "getfd");
            order.Add(second.GetProperty("arguments").GetProperty("fdname").GetString()!);
            await peer.ReplyAsync(second, "{}", ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);
        using var cts = new CancellationTokenSource();

        Task a = client.GetFdAsync("a", _stream.SafeFileHandle, cts.Token);
        await firstArrived.Task.WaitAsync(QmpTimeouts.MustComplete);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a);
        Task b = client.GetFdAsync("b", _stream.SafeFileHandle);
        await client.QueryStatusAsync().WaitAsync(QmpTimeouts.MustComplete);

        await b.WaitAsync(QmpTimeouts.MustComplete);
        Assert.True(lateReplySent.Task.IsCompleted);
        Assert.Equal(new[] { "a", "query-status", "b" }, order);
    }

    [Fact]
    public async Task DescriptorCallWaitingForTheGate_HonoursItsToken_AndTheConnectionClose()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            await peer.ExpectCommandAsync(ct, "getfd"); // never answered
            await peer.WaitForClientCloseAsync(ct);
        });
        QmpClient client = await QmpClient.ConnectAsync(server.SocketPath);
        Task first = client.GetFdAsync("a", _stream.SafeFileHandle);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetFdAsync("b", _stream.SafeFileHandle, cts.Token));
        Task third = client.AddFdAsync(_stream.SafeFileHandle);
        await client.DisposeAsync();

        await Assert.ThrowsAsync<QmpDisconnectedException>(() => first.WaitAsync(QmpTimeouts.MustComplete));
        await Assert.ThrowsAsync<QmpDisconnectedException>(() => third.WaitAsync(QmpTimeouts.MustComplete));
        Assert.True(_stream.CanRead, "the caller's descriptor is untouched");
    }
}
