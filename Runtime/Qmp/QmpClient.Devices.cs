using System;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;

namespace Toolstack.Runtime;

/// <summary>Typed wrappers: device hot-plug.</summary>
public sealed partial class QmpClient
{
    /// <summary>The event that tells a device is gone.</summary>
    public const string DeviceDeletedEvent = "DEVICE_DELETED";

    /// <summary>
    /// <c>device_add</c>: plugs in a device. Locking contract: call with no short lock held
    /// (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="driver">The device model, e.g. <c>e1000</c>, <c>virtio-blk-pci</c>.</param>
    /// <param name="id">The device's qdev id.</param>
    /// <param name="properties">
    /// Further properties (e.g. <c>drive</c>, <c>bus</c>), as an object serialising to a JSON
    /// object; must not repeat <c>driver</c> or <c>id</c>.
    /// </param>
    /// <param name="ct">Abandons the wait for the reply.</param>
    [RequiresUnlocked]
    [AddsToPrimaryConfig(typeof(QmpLock))]
    public Task DeviceAddAsync(string driver, string id, object? properties = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(driver);
        ArgumentException.ThrowIfNullOrEmpty(id);
        JsonObject arguments = QmpJson.Merge(new JsonObject { ["driver"] = driver, ["id"] = id }, properties, nameof(properties));
        return ExecuteAsync("device_add", arguments, ct);
    }

    /// <summary>
    /// <c>device_del</c>, then waits until the device is really gone: the
    /// <c>DEVICE_DELETED</c> event whose <c>data.device</c> is <paramref name="id"/> (the waiter
    /// is registered before the command is sent). QEMU only asks the guest to release the device;
    /// this completes when the guest does (or a reset removes it), which may be never: pass a
    /// token with a deadline. Locking contract: call with no short lock held
    /// (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="id">The device's qdev id.</param>
    /// <param name="ct">Abandons the wait (for the reply or for the event).</param>
    /// <returns>The <c>DEVICE_DELETED</c> event.</returns>
    [RequiresUnlocked]
    [RemovesFromPrimaryConfig(typeof(QmpLock))]
    public async Task<QmpEvent> DeviceDelAsync(string id, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        using QmpEventWaiter deleted = WaitForEvent(DeviceDeletedEvent, e => IsDevice(e, id));
        await ExecuteAsync("device_del", new JsonObject { ["id"] = id }, ct).ConfigureAwait(false);
        return await deleted.WaitAsync(ct).ConfigureAwait(false);
    }

    private static bool IsDevice(QmpEvent e, string id) =>
        e.Data.ValueKind == JsonValueKind.Object &&
        e.Data.TryGetProperty("device", out JsonElement device) &&
        device.ValueKind == JsonValueKind.String &&
        device.ValueEquals(id);
}
