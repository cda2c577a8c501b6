using System;

namespace Toolstack.Runtime;

/// <summary>Base of every failure the QMP client reports: connecting, negotiating, the wire, or a command.</summary>
public abstract class QmpException : Exception
{
    /// <summary>Creates the exception with its message and, optionally, its cause.</summary>
    protected QmpException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
