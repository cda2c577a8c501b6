using System;

namespace Toolstack.Runtime;

/// <summary>
/// The socket connected, but QEMU's greeting (<c>{"QMP": {...}}</c>) did not arrive intact: the
/// peer closed the connection first, sent something else, sent no complete greeting within
/// <see cref="QmpClientOptions.ConnectTimeout"/> (QEMU serves one QMP client at a time and greets
/// a second one only when the first disconnects), or flooded more than
/// <see cref="QmpClientOptions.MaxEventsBeforeGreeting"/> events or
/// <see cref="QmpClientOptions.MaxBytesBeforeGreeting"/> bytes before it.
/// </summary>
public sealed class QmpGreetingException : QmpException
{
    internal QmpGreetingException(string socketPath, string reason, Exception? innerException = null)
        : base($"No valid QMP greeting on '{socketPath}': {reason}", innerException)
    {
        SocketPath = socketPath;
    }

    /// <summary>The path of the Unix socket that was dialled.</summary>
    public string SocketPath { get; }
}
