using System;

namespace Toolstack.Runtime;

/// <summary>
/// The peer broke the wire protocol: a line that is not JSON, a line longer than
/// <see cref="QmpClientOptions.MaxLineBytes"/>, a message that is not an object, or an error reply
/// without an id (QEMU's sign that it could not parse what it was sent). The client closes the
/// connection; the calls pending at that moment fail with this exception, later calls with
/// <see cref="QmpDisconnectedException"/>.
/// </summary>
public sealed class QmpProtocolException : QmpException
{
    internal QmpProtocolException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
