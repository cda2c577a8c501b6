using System.Collections.Generic;
using System.Text.Json;

namespace Toolstack.Runtime;

/// <summary>One QEMU fd set (<c>query-fdsets</c>): descriptors QEMU opens as <c>/dev/fdset/ID</c>.</summary>
public sealed class QmpFdset
{
    /// <summary>Creates an fd set description.</summary>
    public QmpFdset(int fdsetId, IReadOnlyList<QmpFdsetFd> fds)
    {
        FdsetId = fdsetId;
        Fds = fds;
    }

    /// <summary>The set's id, as in <c>/dev/fdset/ID</c>.</summary>
    public int FdsetId { get; }

    /// <summary>The descriptors in the set.</summary>
    public IReadOnlyList<QmpFdsetFd> Fds { get; }

    internal static QmpFdset Parse(JsonElement entry)
    {
        var fds = new List<QmpFdsetFd>();
        if (entry.TryGetProperty("fds", out JsonElement list))
        {
            foreach (JsonElement fd in QmpJson.RequiredArray(list, "\"fds\"").EnumerateArray())
            {
                fds.Add(QmpFdsetFd.Parse(fd));
            }
        }

        return new QmpFdset(QmpJson.RequiredInt32(entry, "fdset-id"), fds.AsReadOnly());
    }
}
