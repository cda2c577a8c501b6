using System;
using System.Collections.Generic;

namespace Toolstack.Runtime;

/// <summary>
/// A command line queued for the writer, with the duplicate descriptor it carries (SCM_RIGHTS),
/// if any. The message owns that duplicate and closes it once sent or abandoned.
/// </summary>
internal sealed class OutgoingMessage : IDisposable
{
    private int _fd;

    internal OutgoingMessage(PendingCall call, byte[] line, int fd)
    {
        Call = call;
        Line = line;
        _fd = fd;
    }

    internal PendingCall Call { get; }

    internal byte[] Line { get; }

    /// <summary>Its place in the send queue while it waits there; guarded by the queue's lock.</summary>
    internal LinkedListNode<OutgoingMessage>? QueueNode { get; set; }

    /// <summary>The descriptor to attach to the first byte, or -1.</summary>
    internal int FileDescriptor => _fd;

    public void Dispose()
    {
        int fd = _fd;
        _fd = -1;
        ScmRights.Close(fd);
    }
}
