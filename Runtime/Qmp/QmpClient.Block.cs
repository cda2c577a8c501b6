using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;

namespace Toolstack.Runtime;

/// <summary>Typed wrappers: block devices, removable media and block nodes.</summary>
public sealed partial class QmpClient
{
    /// <summary>
    /// <c>query-block</c>: every block backend, with its device and inserted medium. Locking
    /// contract: call with no short lock held (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="ct">Abandons the wait for the reply.</param>
    [RequiresUnlocked]
    public async Task<IReadOnlyList<QmpBlockDevice>> QueryBlockAsync(CancellationToken ct = default)
    {
        JsonElement result = await ExecuteAsync("query-block", null, ct).ConfigureAwait(false);
        var devices = new List<QmpBlockDevice>();
        foreach (JsonElement entry in QmpJson.RequiredArray(result, "query-block's result").EnumerateArray())
        {
            devices.Add(QmpBlockDevice.Parse(entry));
        }

        return devices.AsReadOnly();
    }

    /// <summary>
    /// <c>eject</c>: opens the tray of a removable-media device and removes its medium
    /// (<c>DEVICE_TRAY_MOVED</c> follows). Locking contract: call with no short lock held
    /// (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="id">The device's qdev id, e.g. <c>cd0</c>.</param>
    /// <param name="force">Eject even if the guest locked the tray.</param>
    /// <param name="ct">Abandons the wait for the reply.</param>
    [RequiresUnlocked]
    [RemovesFromPrimaryConfig(typeof(QmpLock))]
    public Task EjectAsync(string id, bool force = false, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var arguments = new JsonObject { ["id"] = id };
        if (force)
        {
            arguments["force"] = true;
        }

        return ExecuteAsync("eject", arguments, ct);
    }

    /// <summary>
    /// <c>blockdev-change-medium</c>: opens the tray, replaces the medium, closes the tray
    /// (<c>DEVICE_TRAY_MOVED</c> twice). For an image QEMU may not open itself, pass it first
    /// with <see cref="AddFdAsync(int, int?, string?, CancellationToken)"/> and give
    /// <see cref="QmpAddFdResult.Path"/> (<c>/dev/fdset/N</c>) as <paramref name="filename"/>.
    /// Locking contract: call with no short lock held (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="id">The device's qdev id, e.g. <c>cd0</c>.</param>
    /// <param name="filename">The new medium's file name.</param>
    /// <param name="format">The image format driver, e.g. <c>raw</c>; null lets QEMU probe.</param>
    /// <param name="readOnlyMode">How to open it; null leaves QEMU's default (retain).</param>
    /// <param name="ct">Abandons the wait for the reply.</param>
    [RequiresUnlocked]
    [AddsToPrimaryConfig(typeof(QmpLock))]
    public Task BlockdevChangeMediumAsync(string id, string filename, string? format = null,
        QmpReadOnlyMode? readOnlyMode = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentException.ThrowIfNullOrEmpty(filename);
        var arguments = new JsonObject { ["id"] = id, ["filename"] = filename };
        if (format is not null)
        {
            arguments["format"] = format;
        }

        if (readOnlyMode is QmpReadOnlyMode mode)
        {
            arguments["read-only-mode"] = mode switch
            {
                QmpReadOnlyMode.Retain => "retain",
                QmpReadOnlyMode.ReadOnly => "read-only",
                QmpReadOnlyMode.ReadWrite => "read-write",
                _ => throw new ArgumentOutOfRangeException(nameof(readOnlyMode), mode, "Unknown read-only mode."),
            };
        }

        return ExecuteAsync("blockdev-change-medium", arguments, ct);
    }

    /// <summary>
    /// <c>blockdev-add</c>: creates a block node. Locking contract: call with no short lock held
    /// (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="options">
    /// The node's options, the command's whole argument object, e.g.
    /// <c>new JsonObject { ["driver"] = "null-co", ["node-name"] = "disk0" }</c>
    /// (a <see cref="JsonObject"/>, <see cref="JsonElement"/> or any object serialising to one).
    /// </param>
    /// <param name="ct">Abandons the wait for the reply.</param>
    [RequiresUnlocked]
    [AddsToPrimaryConfig(typeof(QmpLock))]
    public Task BlockdevAddAsync(object options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ExecuteAsync("blockdev-add", options, ct);
    }

    /// <summary>
    /// <c>blockdev-del</c>: deletes a block node that nothing uses. Locking contract: call with no
    /// short lock held (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="nodeName">The node's name, as given to <c>blockdev-add</c>.</param>
    /// <param name="ct">Abandons the wait for the reply.</param>
    [RequiresUnlocked]
    [RemovesFromPrimaryConfig(typeof(QmpLock))]
    public Task BlockdevDelAsync(string nodeName, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        return ExecuteAsync("blockdev-del", new JsonObject { ["node-name"] = nodeName }, ct);
    }
}
