using System.Text.Json;

namespace Toolstack.Runtime;

/// <summary>The medium inserted in a block device (<c>query-block</c>'s <c>inserted</c>).</summary>
public sealed class QmpBlockMedium
{
    /// <summary>Creates a medium description.</summary>
    public QmpBlockMedium(string file, string? nodeName, string? driver, bool readOnly)
    {
        File = file;
        NodeName = nodeName;
        Driver = driver;
        ReadOnly = readOnly;
    }

    /// <summary>The image's file name as QEMU opened it, e.g. <c>/dev/fdset/0</c>.</summary>
    public string File { get; }

    /// <summary>The block node's name (QEMU makes one up, like <c>#block155</c>, when none was given).</summary>
    public string? NodeName { get; }

    /// <summary>The format driver (<c>drv</c>), e.g. <c>raw</c>.</summary>
    public string? Driver { get; }

    /// <summary>Whether the medium is read-only (<c>ro</c>).</summary>
    public bool ReadOnly { get; }

    internal static QmpBlockMedium Parse(JsonElement inserted) => new(
        QmpJson.RequiredString(inserted, "file"),
        QmpJson.OptionalString(inserted, "node-name"),
        QmpJson.OptionalString(inserted, "drv"),
        QmpJson.OptionalBoolean(inserted, "ro") ?? false);
}
