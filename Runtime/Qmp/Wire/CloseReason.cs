using System;

namespace Toolstack.Runtime;

/// <summary>Why a QMP connection closed; makes the exception each affected call sees.</summary>
internal sealed class CloseReason
{
    private CloseReason(Kind kind, string message, Exception? cause)
    {
        What = kind;
        Message = message;
        Cause = cause;
    }

    internal enum Kind
    {
        EndOfStream,
        SocketError,
        ProtocolError,
        Disposed,
    }

    internal Kind What { get; }

    internal string Message { get; }

    internal Exception? Cause { get; }

    internal static CloseReason EndOfStream(string socketPath, long truncatedBytes) =>
        new(Kind.EndOfStream, truncatedBytes == 0
            ? $"QEMU closed the QMP connection '{socketPath}'."
            : $"QEMU closed the QMP connection '{socketPath}' in the middle of a message ({truncatedBytes} bytes of it discarded).", null);

    internal static CloseReason SocketError(string socketPath, Exception cause) =>
        new(Kind.SocketError, $"The QMP connection '{socketPath}' failed: {cause.Message}", cause);

    internal static CloseReason ProtocolError(string socketPath, QmpProtocolException cause) =>
        new(Kind.ProtocolError, $"The QMP connection '{socketPath}' was closed after a protocol error: {cause.Message}", cause);

    internal static CloseReason Disposed(string socketPath) =>
        new(Kind.Disposed, $"The QMP client for '{socketPath}' was disposed.", null);

    /// <summary>Whether a pending <c>quit</c> whose bytes went out counts as done.</summary>
    internal bool IsPeerClose => What is Kind.EndOfStream or Kind.SocketError;

    /// <summary>What a call pending at the close fails with.</summary>
    internal Exception ForPendingCall() => What == Kind.ProtocolError
        ? new QmpProtocolException(Cause!.Message, Cause.InnerException)
        : new QmpDisconnectedException(Message, Cause);

    /// <summary>What an event waiter still waiting at the close (or registered after it) fails with.</summary>
    internal Exception ForWaiter() => new QmpDisconnectedException(Message, Cause);

    /// <summary>What a call made after the close fails with.</summary>
    internal Exception ForLaterCall() => What == Kind.Disposed
        ? new ObjectDisposedException(nameof(QmpClient), Message)
        : new QmpDisconnectedException(Message, Cause);
}
