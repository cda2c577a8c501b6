using System.Text.Json.Serialization;

namespace Toolstack.Runtime;

/// <summary>
/// One disk of a domain as its JSON config records it (after libxl's <c>libxl_device_disk</c>):
/// for a CD-ROM, the medium it holds and the medium being inserted.
/// </summary>
public sealed record DiskConfig
{
    /// <summary>The device id in QEMU (<c>cd0</c>); libxl's <c>vdev</c>.</summary>
    [JsonPropertyName("vdev")]
    public required string Device { get; init; }

    /// <summary>True for a removable CD-ROM drive.</summary>
    [JsonPropertyName("is_cdrom")]
    public bool IsCdrom { get; init; }

    /// <summary>The medium in the drive, or null when empty; libxl's <c>pdev_path</c>.</summary>
    [JsonPropertyName("pdev_path")]
    public MediumConfig? Medium { get; init; }

    /// <summary>
    /// A medium being inserted: recorded before QEMU is asked to insert it, so that at every
    /// instant whatever QEMU holds is described here; cleared when the insertion is finalised.
    /// </summary>
    [JsonPropertyName("pending")]
    public MediumConfig? Pending { get; init; }
}
