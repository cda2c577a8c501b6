using System.Text.Json;

namespace Toolstack.Runtime;

/// <summary>One descriptor in a QEMU fd set (<c>query-fdsets</c>).</summary>
public sealed class QmpFdsetFd
{
    /// <summary>Creates a descriptor entry.</summary>
    public QmpFdsetFd(int fd, string? opaque)
    {
        Fd = fd;
        Opaque = opaque;
    }

    /// <summary>The descriptor's number in QEMU's process.</summary>
    public int Fd { get; }

    /// <summary>The free-form text given to <c>add-fd</c>, if any.</summary>
    public string? Opaque { get; }

    internal static QmpFdsetFd Parse(JsonElement entry) =>
        new(QmpJson.RequiredInt32(entry, "fd"), QmpJson.OptionalString(entry, "opaque"));
}
