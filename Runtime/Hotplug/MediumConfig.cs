using System.Text.Json.Serialization;

namespace Toolstack.Runtime;

/// <summary>A medium image and how QEMU was given it.</summary>
public sealed record MediumConfig
{
    /// <summary>The image file's path on the host.</summary>
    [JsonPropertyName("path")]
    public required string Path { get; init; }

    /// <summary>The image format (<c>raw</c>).</summary>
    [JsonPropertyName("format")]
    public string Format { get; init; } = "raw";

    /// <summary>
    /// The QEMU fd set holding the opened image (QEMU names the medium <c>/dev/fdset/N</c>), or
    /// null when QEMU opened the path itself.
    /// </summary>
    [JsonPropertyName("fdset")]
    public int? FdSet { get; init; }

    /// <summary>The file name QEMU reports for this medium in <c>query-block</c>.</summary>
    [JsonIgnore]
    public string QemuFileName => FdSet is int id ? $"/dev/fdset/{id}" : Path;
}
