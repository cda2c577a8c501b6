using System.Text.Json.Nodes;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Qmp;

/// <summary>Against real QEMU: descriptors passed with SCM_RIGHTS (getfd/closefd, add-fd/query-fdsets/remove-fd).</summary>
public sealed class QmpFdPassingTests
{
    [QemuFact]
    public async Task GetFdThenCloseFd_WithAnOpenedFile()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        CancellationToken ct = QmpTimeouts.MustCompleteToken();
        using FileStream file = CreateFile(qemu, "getfd.img");

        await client.GetFdAsync("image", file.SafeFileHandle, ct);
        await client.CloseFdAsync("image", ct);

        QmpCommandException twice = await Assert.ThrowsAsync<QmpCommandException>(() => client.CloseFdAsync("image", ct));
        Assert.Equal("GenericError", twice.Class);
        Assert.True(file.CanRead, "the caller's descriptor stays open: a duplicate was sent");
    }

    [QemuFact]
    public async Task GetFd_ByNumber_Works()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        CancellationToken ct = QmpTimeouts.MustCompleteToken();
        using FileStream file = CreateFile(qemu, "number.img");

        await client.GetFdAsync("bynumber", (int)file.SafeFileHandle.DangerousGetHandle(), ct);
        await client.CloseFdAsync("bynumber", ct);
    }

    [QemuFact]
    public async Task GetFd_NameStartingWithADigit_IsRefusedBeforeSending()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        using FileStream file = CreateFile(qemu, "digit.img");

        await Assert.ThrowsAsync<ArgumentException>(() => client.GetFdAsync("1image", file.SafeFileHandle));
    }

    [QemuFact]
    public async Task GetFd_WithoutADescriptor_QemuSaysNoneWasSupplied()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);

        QmpCommandException error = await Assert.ThrowsAsync<QmpCommandException>(
            () => client.ExecuteAsync("getfd", new JsonObject { ["fdname"] = "nothing" }, QmpTimeouts.MustCompleteToken()));

        Assert.Contains("SCM_RIGHTS", error.Description);
    }

    [QemuFact]
    public async Task AddFd_QueryFdsets_RemoveFd()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        CancellationToken ct = QmpTimeouts.MustCompleteToken();
        using FileStream file = CreateFile(qemu, "fdset.img");

        QmpAddFdResult added = await client.AddFdAsync(file.SafeFileHandle, fdsetId: null, opaque: "disk image", ct);
        QmpAddFdResult second = await client.AddFdAsync((int)file.SafeFileHandle.DangerousGetHandle(), added.FdsetId, null, ct);

        Assert.Equal($"/dev/fdset/{added.FdsetId}", added.Path);
        Assert.Equal(added.FdsetId, second.FdsetId);
        Assert.NotEqual(added.Fd, second.Fd);
        QmpFdset set = Assert.Single(await client.QueryFdsetsAsync(ct), s => s.FdsetId == added.FdsetId);
        Assert.Equal(new[] { added.Fd, second.Fd }.Order(), set.Fds.Select(f => f.Fd).Order());
        Assert.Equal("disk image", Assert.Single(set.Fds, f => f.Fd == added.Fd).Opaque);
        Assert.Null(Assert.Single(set.Fds, f => f.Fd == second.Fd).Opaque);

        await client.RemoveFdAsync(added.FdsetId, added.Fd, ct);
        set = Assert.Single(await client.QueryFdsetsAsync(ct), s => s.FdsetId == added.FdsetId);
        Assert.Equal(second.Fd, Assert.Single(set.Fds).Fd);

        await client.RemoveFdAsync(added.FdsetId, null, ct);
        Assert.DoesNotContain(await client.QueryFdsetsAsync(ct), s => s.FdsetId == added.FdsetId);

        QmpCommandException gone = await Assert.ThrowsAsync<QmpCommandException>(() => client.RemoveFdAsync(added.FdsetId, null, ct));
        Assert.Equal("GenericError", gone.Class);
    }

    [QemuFact]
    public async Task AddFd_ClosedDescriptor_IsRefusedBeforeSending()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient client = await QmpClient.ConnectAsync(qemu.SocketPath);
        FileStream file = CreateFile(qemu, "closed.img");
        file.Dispose();

        await Assert.ThrowsAsync<ArgumentException>(() => client.AddFdAsync(file.SafeFileHandle));
        Assert.True((await client.QueryStatusAsync(QmpTimeouts.MustCompleteToken())).Running);
    }

    internal static FileStream CreateFile(QemuProcess qemu, string name)
    {
        string path = Path.Combine(qemu.Directory, name);
        File.WriteAllBytes(path, new byte[64 * 1024]);
        return new FileStream(path, FileMode.Open, FileAccess.Read);
    }
}
