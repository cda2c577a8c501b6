using System.Text.Json;

namespace Toolstack.Runtime;

/// <summary>One entry of <c>query-block</c>: a block backend and the device it is attached to.</summary>
public sealed class QmpBlockDevice
{
    /// <summary>Creates a block device description.</summary>
    public QmpBlockDevice(string device, string? qdev, bool removable, bool locked, bool? trayOpen, QmpBlockMedium? inserted)
    {
        Device = device;
        Qdev = qdev;
        Removable = removable;
        Locked = locked;
        TrayOpen = trayOpen;
        Inserted = inserted;
    }

    /// <summary>The backend's name (<c>device</c>); empty for a device added with <c>-device</c> and no drive, like <c>ide-cd,id=cd0</c>.</summary>
    public string Device { get; }

    /// <summary>The attached device (<c>qdev</c>): its id, e.g. <c>cd0</c>, or its QOM path when it has none.</summary>
    public string? Qdev { get; }

    /// <summary>Whether the medium can be removed (a CD-ROM, a floppy).</summary>
    public bool Removable { get; }

    /// <summary>Whether the guest locked the medium in.</summary>
    public bool Locked { get; }

    /// <summary>Whether the tray is open; null for devices without a tray.</summary>
    public bool? TrayOpen { get; }

    /// <summary>The inserted medium, or null when the device is empty.</summary>
    public QmpBlockMedium? Inserted { get; }

    /// <summary>The qdev id or backend name, and the medium's file.</summary>
    public override string ToString() => $"{Qdev ?? Device}: {Inserted?.File ?? "(empty)"}";

    internal static QmpBlockDevice Parse(JsonElement entry) => new(
        QmpJson.OptionalString(entry, "device") ?? string.Empty,
        QmpJson.OptionalString(entry, "qdev"),
        QmpJson.OptionalBoolean(entry, "removable") ?? false,
        QmpJson.OptionalBoolean(entry, "locked") ?? false,
        QmpJson.OptionalBoolean(entry, "tray_open"),
        entry.TryGetProperty("inserted", out JsonElement inserted) && inserted.ValueKind == JsonValueKind.Object
            ? QmpBlockMedium.Parse(inserted)
            : null);
}
