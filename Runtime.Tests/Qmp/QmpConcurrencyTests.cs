using System.Text.Json;
using System.Text.Json.Nodes;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Qmp;

/// <summary>Against real QEMU: many calls in flight on one connection, each routed to its own reply.</summary>
public sealed class QmpConcurrencyTests
{
    [QemuFact]
    public async Task HundredConcurrentCalls_AllComplete_EachWithItsOwnResult()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        CancellationToken ct = QmpTimeouts.MustCompleteToken();

        // Three kinds, so a misrouted reply shows: an error naming its own command, a typed
        // status, and a QOM read.
        Task[] calls = Enumerable.Range(0, 100).Select(i => Task.Run(async () =>
        {
            switch (i % 3)
            {
                case 0:
                    QmpCommandException error = await Assert.ThrowsAsync<QmpCommandException>(
                        () => client.ExecuteAsync($"no-such-command-{i}", null, ct));
                    Assert.Equal("CommandNotFound", error.Class);
                    Assert.Contains($"no-such-command-{i} ", error.Description);
                    break;
                case 1:
                    QmpStatus status = await client.QueryStatusAsync(ct);
                    Assert.Equal("running", status.Status);
                    break;
                default:
                    JsonElement type = await client.ExecuteAsync("qom-get", new JsonObject { ["path"] = "/machine", ["property"] = "type" }, ct);
                    Assert.Equal("none-machine", type.GetString());
                    break;
            }
        })).ToArray();

        await Task.WhenAll(calls).WaitAsync(QmpTimeouts.MustComplete);

        Assert.All(calls, c => Assert.True(c.IsCompletedSuccessfully));
        Assert.True((await client.QueryStatusAsync(ct)).Running);
    }

    [QemuFact]
    public async Task ConcurrentGetFd_InterleavedWithPlainCalls_EveryDescriptorArrivesUnderItsName()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        CancellationToken ct = QmpTimeouts.MustCompleteToken();
        string file = Path.Combine(qemu.Directory, "data");
        File.WriteAllText(file, "x");
        using FileStream stream = File.OpenRead(file);

        Task[] calls = Enumerable.Range(0, 40).Select(i => i % 2 == 0
            ? client.GetFdAsync($"fd{i}", stream.SafeFileHandle, ct)
            : client.QueryStatusAsync(ct)).ToArray();
        await Task.WhenAll(calls).WaitAsync(QmpTimeouts.MustComplete);

        // closefd succeeds only for a name QEMU holds: each getfd's line and descriptor arrived together.
        for (int i = 0; i < 40; i += 2)
        {
            await client.CloseFdAsync($"fd{i}", ct);
        }

        await Assert.ThrowsAsync<QmpCommandException>(() => client.CloseFdAsync("fd0", ct));
    }
}
