using System;

namespace Toolstack.Runtime;

/// <summary>
/// QEMU greeted, but capability negotiation (<c>qmp_capabilities</c>) failed: QEMU refused it,
/// the connection dropped, or the reply did not come within
/// <see cref="QmpClientOptions.ConnectTimeout"/>.
/// </summary>
public sealed class QmpNegotiationException : QmpException
{
    internal QmpNegotiationException(string socketPath, string reason, Exception? innerException = null)
        : base($"QMP capability negotiation on '{socketPath}' failed: {reason}", innerException)
    {
        SocketPath = socketPath;
    }

    /// <summary>The path of the Unix socket that was dialled.</summary>
    public string SocketPath { get; }
}
