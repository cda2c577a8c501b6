using System.Text.Json;

namespace Toolstack.Runtime;

/// <summary>The result of <c>add-fd</c>: where QEMU put the descriptor.</summary>
public sealed class QmpAddFdResult
{
    /// <summary>Creates a result.</summary>
    public QmpAddFdResult(int fdsetId, int fd)
    {
        FdsetId = fdsetId;
        Fd = fd;
    }

    /// <summary>The fd set's id: open it as <c>/dev/fdset/ID</c> (see <see cref="Path"/>).</summary>
    public int FdsetId { get; }

    /// <summary>The descriptor's number in QEMU's process (for <c>remove-fd</c>).</summary>
    public int Fd { get; }

    /// <summary>The file name that makes QEMU use the set: <c>/dev/fdset/ID</c>.</summary>
    public string Path => "/dev/fdset/" + FdsetId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal static QmpAddFdResult Parse(JsonElement result) =>
        new(QmpJson.RequiredInt32(result, "fdset-id"), QmpJson.RequiredInt32(result, "fd"));
}
