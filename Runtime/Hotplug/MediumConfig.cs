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

    /// <summary>
    /// The insert's token (32 lowercase hex digits), or null for a medium recorded by an older
    /// version. Recorded before <c>add-fd</c> and carried in the opaque string of the descriptor the
    /// insert adds (<c>toolstack-cdrom:&lt;token&gt;:&lt;path&gt;</c>), so that the config describes
    /// the fd set from before it exists; see <see cref="CdromHotplug"/>.
    /// </summary>
    [JsonPropertyName("token")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Token { get; init; }

    /// <summary>The file name QEMU reports for this medium in <c>query-block</c>.</summary>
    [JsonIgnore]
    public string QemuFileName => FdSet is int id ? $"/dev/fdset/{id}" : Path;
}
