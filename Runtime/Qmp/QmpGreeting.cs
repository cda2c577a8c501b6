using System.Collections.Generic;
using System.Text.Json;

namespace Toolstack.Runtime;

/// <summary>What QEMU says first on a QMP connection: <c>{"QMP": {"version": ..., "capabilities": [...]}}</c>.</summary>
public sealed class QmpGreeting
{
    /// <summary>Creates a greeting.</summary>
    public QmpGreeting(QmpVersion version, IReadOnlyList<string> capabilities)
    {
        Version = version;
        Capabilities = capabilities;
    }

    /// <summary>The QEMU version.</summary>
    public QmpVersion Version { get; }

    /// <summary>The capabilities QEMU offers, e.g. <c>oob</c>; negotiation enables those the client knows.</summary>
    public IReadOnlyList<string> Capabilities { get; }

    /// <summary>Reads the greeting; throws <see cref="QmpProtocolException"/> when it is not one.</summary>
    internal static QmpGreeting Parse(JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("QMP", out JsonElement qmp) || qmp.ValueKind != JsonValueKind.Object)
        {
            throw new QmpProtocolException($"expected {{\"QMP\": {{...}}}}, got {QmpJson.Snippet(message)}");
        }

        QmpVersion version = QmpVersion.Parse(QmpJson.Required(qmp, "version", JsonValueKind.Object));
        var capabilities = new List<string>();
        if (qmp.TryGetProperty("capabilities", out JsonElement offered))
        {
            if (offered.ValueKind != JsonValueKind.Array)
            {
                throw new QmpProtocolException("the greeting's \"capabilities\" is not an array");
            }

            foreach (JsonElement capability in offered.EnumerateArray())
            {
                if (capability.ValueKind == JsonValueKind.String)
                {
                    capabilities.Add(capability.GetString()!);
                }
            }
        }

        return new QmpGreeting(version, capabilities.AsReadOnly());
    }
}
