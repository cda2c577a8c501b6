using System.Text.Json;
using Toolstack.Runtime.Tests.Locking;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Hotplug;

/// <summary>
/// <see cref="CdromHotplug"/> when QEMU's answer never comes, which real QEMU will not do on
/// demand: a scripted fake QMP server stalls <c>blockdev-change-medium</c>.
/// </summary>
public sealed class CdromHotplugFaultTests
{
    [Fact]
    public async Task Insert_CancelledWhileQemuChangesTheMedium_KeepsThePendingMediumRecorded()
    {
        using var directory = new TempLockDirectory();
        string image = directory.Touch("install.iso");
        var changeArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            await peer.NegotiateAsync(ct);
            while (await peer.ReadCommandAsync(ct) is JsonElement command)
            {
                switch (command.GetProperty("execute").GetString())
                {
                    case "add-fd":
                        int asked = command.GetProperty("arguments").TryGetProperty("fdset-id", out JsonElement id) ? id.GetInt32() : 4;
                        await peer.ReplyAsync(command, $$"""{"fdset-id": {{asked}}, "fd": 20}""", ct);
                        break;
                    case "query-fdsets" or "query-block":
                        await peer.ReplyAsync(command, "[]", ct);
                        break;
                    case "blockdev-change-medium":
                        // QEMU may be doing it, or may have done it: the reply is what never comes.
                        changeArrived.TrySetResult();
                        break;
                    default:
                        await peer.ReplyAsync(command, "{}", ct);
                        break;
                }
            }
        });
        await using QmpClient qmp = await QmpClient.ConnectAsync(server.SocketPath, QmpTimeouts.MustCompleteToken());
        DomainUserdata userdata = directory.Domain("4.fault");
        var domain = new Domain("4.fault", userdata);
        using (domain.StateLock.Lock())
        {
            domain.AttachMonitor(qmp, DomainRunState.Paused);
        }

        using var cancel = new CancellationTokenSource();
        Task insert = CdromHotplug.InsertAsync(domain, "cd0", image, cancel.Token);
        await changeArrived.Task.WaitAsync(QmpTimeouts.MustComplete);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => insert.WaitAsync(QmpTimeouts.MustComplete));

        // Whether QEMU changed the medium is unknown, so the config must still describe it.
        DomainConfig config = await Support.CdromState.ReadConfigAsync(domain.JsonLock!, TimeSpan.FromSeconds(10));
        Assert.Equal(new MediumConfig { Path = image, FdSet = 0 }, Support.CdromState.WithoutToken(config.FindDisk("cd0")!.Pending));
        // And the slow lock is free again.
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using LockHandle slow = await domain.QmpLock!.LockAsync(wait.Token);
    }
}
