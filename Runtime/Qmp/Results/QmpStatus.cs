using System.Text.Json;

namespace Toolstack.Runtime;

/// <summary>The result of <c>query-status</c>.</summary>
public sealed class QmpStatus
{
    /// <summary>Creates a status.</summary>
    public QmpStatus(string status, bool running)
    {
        Status = status;
        Running = running;
    }

    /// <summary>QEMU's run state, e.g. <c>running</c>, <c>paused</c>, <c>prelaunch</c>, <c>shutdown</c>.</summary>
    public string Status { get; }

    /// <summary>Whether the guest's CPUs are running.</summary>
    public bool Running { get; }

    /// <summary>The run state and whether it runs.</summary>
    public override string ToString() => $"{Status} (running: {Running})";

    internal static QmpStatus Parse(JsonElement result) =>
        new(QmpJson.RequiredString(result, "status"), QmpJson.RequiredBoolean(result, "running"));
}
