using System.Text.Json;
using Toolstack.Runtime.Tests.Hotplug.Support;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Hotplug;

/// <summary>
/// libxl's rule for the fd set too: "add a thing only while holding its lock continuously since
/// the JSON was made to describe it". When <c>add-fd</c> reaches QEMU, the config on disk must
/// already describe the set it creates, so that a kill at that instant (before add-fd's answer
/// is read and recorded) leaves nothing in QEMU without a config entry.
/// </summary>
public sealed class CdromRecordBeforeAddTests
{
    [Fact]
    public async Task Insert_WhenAddFdReachesQemu_TheConfigAlreadyDescribesTheFdsetItCreates()
    {
        await using FakeCdromDomain fake = await FakeCdromDomain.StartAsync();
        string image = fake.Directory.Touch("install.iso");

        await CdromHotplug.InsertAsync(fake.Domain, "cd0", image, QmpTimeouts.MustCompleteToken());

        (int? asked, string? opaque, string? config) = Assert.Single(fake.AddFds);
        Assert.True(config is not null, "add-fd reached QEMU before any config was written");
        DomainConfig atAddFd = JsonSerializer.Deserialize<DomainConfig>(config)!;
        // The set QEMU creates: the id asked for (or, if none was, whatever id QEMU picks) and the descriptor's opaque.
        var created = new QmpFdset(asked ?? 9999, [new QmpFdsetFd(20, opaque)]);
        Assert.True(CdromState.Describes(atAddFd, created),
            $"at add-fd (fdset-id {asked?.ToString() ?? "none"}, opaque '{opaque}') the config described no such set: {config}");
        MediumConfig pending = Assert.IsType<MediumConfig>(atAddFd.FindDisk("cd0")?.Pending);
        Assert.Equal(image, pending.Path);
        Assert.Equal(image, CdromState.ImageOf(opaque));
    }

    [Fact]
    public async Task Insert_CancelledWhileAddFdIsUnanswered_LeavesItsFdsetDescribed()
    {
        await using FakeCdromDomain fake = await FakeCdromDomain.StartAsync(stall: "add-fd");
        string image = fake.Directory.Touch("install.iso");
        using var cancel = new CancellationTokenSource();

        Task insert = CdromHotplug.InsertAsync(fake.Domain, "cd0", image, cancel.Token);
        await fake.Stalled.WaitAsync(QmpTimeouts.MustComplete);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => insert.WaitAsync(QmpTimeouts.MustComplete));

        // QEMU may have created the set: the config must still describe it after the cancelled insert.
        (int? asked, string? opaque, _) = Assert.Single(fake.AddFds);
        DomainConfig after = await fake.ReadConfigAsync();
        Assert.True(CdromState.Describes(after, new QmpFdset(asked ?? 9999, [new QmpFdsetFd(20, opaque)])),
            $"after the cancelled insert the config describes no set with opaque '{opaque}': {JsonSerializer.Serialize(after)}");
    }
}
