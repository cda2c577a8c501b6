using System.Text.Json;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Qmp;

/// <summary>
/// Against real QEMU (<c>-M pc -S -nodefaults -device ide-cd,id=cd0</c>): inserting a CD-ROM
/// image QEMU gets only as a descriptor, as libxl's CD-ROM workflow does, then ejecting it; and
/// device removal waited for through its event.
/// </summary>
public sealed class QmpCdromTests
{
    [QemuFact]
    public async Task AddFdReadOnly_ThenChangeMediumToFdset_InsertsTheMedium_ThenEject()
    {
        using QemuProcess qemu = QemuProcess.StartPcWithCdrom();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        CancellationToken ct = QmpTimeouts.MustCompleteToken();
        Assert.Equal("prelaunch", (await client.QueryStatusAsync(ct)).Status);

        QmpBlockDevice empty = Assert.Single(await client.QueryBlockAsync(ct), d => d.Qdev == "cd0");
        Assert.Null(empty.Inserted);
        Assert.True(empty.Removable);

        string image = Path.Combine(qemu.Directory, "disc.iso");
        File.WriteAllBytes(image, new byte[1024 * 1024]);
        QmpAddFdResult fdset;
        using (FileStream readOnly = new(image, FileMode.Open, FileAccess.Read))
        {
            fdset = await client.AddFdAsync(readOnly.SafeFileHandle, null, "cd0 medium", ct);
        } // QEMU holds its own copy from here on

        using QmpEventWaiter closed = client.WaitForEvent("DEVICE_TRAY_MOVED", e => e.Data.GetProperty("tray-open").GetBoolean() == false);
        await client.BlockdevChangeMediumAsync("cd0", fdset.Path, "raw", QmpReadOnlyMode.ReadOnly, ct);

        QmpEvent trayMoved = await closed.WaitAsync(ct);
        Assert.Equal("cd0", trayMoved.Data.GetProperty("id").GetString());
        QmpBlockDevice cd = Assert.Single(await client.QueryBlockAsync(ct), d => d.Qdev == "cd0");
        Assert.NotNull(cd.Inserted);
        Assert.Equal(fdset.Path, cd.Inserted!.File);
        Assert.True(cd.Inserted.ReadOnly);
        Assert.Equal("raw", cd.Inserted.Driver);
        Assert.False(cd.TrayOpen);

        using QmpEventWaiter opened = client.WaitForEvent("DEVICE_TRAY_MOVED", e => e.Data.GetProperty("tray-open").GetBoolean());
        await client.EjectAsync("cd0", force: true, ct);

        await opened.WaitAsync(ct);
        cd = Assert.Single(await client.QueryBlockAsync(ct), d => d.Qdev == "cd0");
        Assert.Null(cd.Inserted);
        Assert.True(cd.TrayOpen);
    }

    [QemuFact]
    public async Task ChangeMedium_OfUnknownDevice_ThrowsDeviceError()
    {
        using QemuProcess qemu = QemuProcess.StartPcWithCdrom();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);

        QmpCommandException error = await Assert.ThrowsAsync<QmpCommandException>(
            () => client.BlockdevChangeMediumAsync("cd9", "/nonexistent.iso", null, null, QmpTimeouts.MustCompleteToken()));

        Assert.Contains("cd9", error.Description);
    }

    [QemuFact]
    public async Task DeviceDel_WaitsForDeviceDeleted_WhichComesAfterTheGuestActs()
    {
        using QemuProcess qemu = QemuProcess.StartPcWithCdrom();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        CancellationToken ct = QmpTimeouts.MustCompleteToken();
        await client.DeviceAddAsync("e1000", "nic0", new Dictionary<string, object> { ["mac"] = "52:54:00:12:34:56" }, ct);
        JsonElement type = await client.ExecuteAsync("qom-get",
            new System.Text.Json.Nodes.JsonObject { ["path"] = "/machine/peripheral/nic0", ["property"] = "type" }, ct);
        Assert.Equal("e1000", type.GetString());

        Task<QmpEvent> deletion = client.DeviceDelAsync("nic0", ct);
        // device_del only asks the guest; with no guest running, nothing happens yet.
        await Task.Delay(QmpTimeouts.StaysQuiet);
        Assert.False(deletion.IsCompleted, "DEVICE_DELETED needs the guest (or a reset)");

        await client.SystemResetAsync(ct);
        QmpEvent deleted = await deletion.WaitAsync(QmpTimeouts.MustComplete);

        Assert.Equal("nic0", deleted.Data.GetProperty("device").GetString());
        QmpCommandException gone = await Assert.ThrowsAsync<QmpCommandException>(() => client.ExecuteAsync("qom-get",
            new System.Text.Json.Nodes.JsonObject { ["path"] = "/machine/peripheral/nic0", ["property"] = "type" }, ct));
        Assert.Equal("DeviceNotFound", gone.Class);
    }

    [QemuFact]
    public async Task DeviceDel_OfAMissingDevice_FailsWithoutWaiting()
    {
        using QemuProcess qemu = QemuProcess.StartPcWithCdrom();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);

        QmpCommandException error = await Assert.ThrowsAsync<QmpCommandException>(
            () => client.DeviceDelAsync("nosuchdevice", QmpTimeouts.MustCompleteToken()));

        Assert.Equal("DeviceNotFound", error.Class);
    }

    [QemuFact]
    public async Task DeviceDel_Cancelled_StopsWaitingForTheEvent()
    {
        using QemuProcess qemu = QemuProcess.StartPcWithCdrom();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        await client.DeviceAddAsync("e1000", "nic1", null, QmpTimeouts.MustCompleteToken());
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.DeviceDelAsync("nic1", cts.Token));

        Assert.Equal("prelaunch", (await client.QueryStatusAsync(QmpTimeouts.MustCompleteToken())).Status);
    }
}
