using System;

namespace Toolstack.Runtime;

/// <summary>
/// The QMP connection is gone (end of stream, a socket error, a protocol violation, or the
/// client was disposed): the call was pending when it went, or was made afterwards. Whether a
/// pending command took effect in QEMU is unknown. <see cref="Exception.InnerException"/> holds
/// the cause when there is one.
/// </summary>
public sealed class QmpDisconnectedException : QmpException
{
    internal QmpDisconnectedException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
