using System;

namespace Toolstack.Runtime;

/// <summary>
/// The QMP socket could not be connected: it does not exist, nobody listens on it, access was
/// denied, or the connect did not finish within <see cref="QmpClientOptions.ConnectTimeout"/>.
/// </summary>
public sealed class QmpConnectException : QmpException
{
    internal QmpConnectException(string socketPath, string reason, Exception? innerException = null)
        : base($"Cannot connect to the QMP socket '{socketPath}': {reason}", innerException)
    {
        SocketPath = socketPath;
    }

    /// <summary>The path of the Unix socket that was dialled.</summary>
    public string SocketPath { get; }
}
