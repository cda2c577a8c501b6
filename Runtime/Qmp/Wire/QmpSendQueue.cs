using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Toolstack.Runtime;

/// <summary>
/// The commands waiting for the client's one writer, in order, at most
/// <see cref="QmpClientOptions.SendQueueCapacity"/> of them. A call given up while it waits is
/// taken out at once rather than skipped when its turn comes: while QEMU does not read (SIGSTOP),
/// the writer never gets to it, and a skip-later queue would grow with every call ever made.
/// </summary>
/// <remarks>
/// Thread-safe: callers enqueue and remove, the writer dequeues; all under one short lock that
/// nothing waits under. A message belongs to whoever takes it out (the writer, the caller that
/// removed it, or the close that drained it), and that one disposes it.
/// </remarks>
internal sealed class QmpSendQueue
{
    private readonly object _gate = new();
    private readonly LinkedList<OutgoingMessage> _items = new();
    private readonly int _capacity;
    private TaskCompletionSource? _writerWaiting;
    private bool _completed;

    internal QmpSendQueue(int capacity) => _capacity = capacity;

    internal enum EnqueueResult
    {
        Enqueued,
        Full,
        Completed,
    }

    internal int Capacity => _capacity;

    /// <summary>Messages waiting now.</summary>
    internal int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>
    /// Whether the queue is full now: a hint taken before a call is serialised, so a flood of calls
    /// to a QEMU that does not read is refused without formatting each one first. Only
    /// <see cref="TryEnqueue"/> decides.
    /// </summary>
    internal bool IsFull => Count >= _capacity;

    /// <summary>Adds <paramref name="message"/> at the end, unless the queue is full or completed (then the caller keeps it).</summary>
    internal EnqueueResult TryEnqueue(OutgoingMessage message)
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            if (_completed)
            {
                return EnqueueResult.Completed;
            }

            if (_items.Count >= _capacity)
            {
                return EnqueueResult.Full;
            }

            message.QueueNode = _items.AddLast(message);
            wake = _writerWaiting;
            _writerWaiting = null;
        }

        wake?.TrySetResult();
        return EnqueueResult.Enqueued;
    }

    /// <summary>Takes <paramref name="message"/> out if it is still waiting; true when this call took it (and now owns it).</summary>
    internal bool TryRemove(OutgoingMessage message)
    {
        lock (_gate)
        {
            LinkedListNode<OutgoingMessage>? node = message.QueueNode;
            if (node is null)
            {
                return false;
            }

            _items.Remove(node);
            message.QueueNode = null;
            return true;
        }
    }

    /// <summary>The writer's next message, or null once the queue is completed. One caller at a time.</summary>
    internal async ValueTask<OutgoingMessage?> DequeueAsync(CancellationToken ct)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_items.First is LinkedListNode<OutgoingMessage> first)
                {
                    _items.RemoveFirst();
                    first.Value.QueueNode = null;
                    return first.Value;
                }

                if (_completed)
                {
                    return null;
                }

                _writerWaiting ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _writerWaiting.Task;
            }

            await wait.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Refuses further messages, wakes the writer, and hands back what was still waiting (the caller disposes it).</summary>
    internal List<OutgoingMessage> Complete()
    {
        var left = new List<OutgoingMessage>();
        TaskCompletionSource? wake;
        lock (_gate)
        {
            _completed = true;
            foreach (OutgoingMessage message in _items)
            {
                message.QueueNode = null;
                left.Add(message);
            }

            _items.Clear();
            wake = _writerWaiting;
            _writerWaiting = null;
        }

        wake?.TrySetResult();
        return left;
    }
}
