using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;

namespace Toolstack.Runtime;

/// <summary>
/// Where the reader loop delivers events: first to the registered waiters (which lose nothing),
/// then into a bounded channel for <see cref="QmpClient.Events"/> that drops its oldest event when
/// full and counts the drops.
/// </summary>
internal sealed class QmpEventHub
{
    private readonly Channel<QmpEvent> _channel;
    private readonly object _gate = new();
    private readonly List<QmpEventWaiter> _waiters = new();
    private CloseReason? _closed;
    private long _dropped;

    internal QmpEventHub(int capacity)
    {
        var options = new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleWriter = true,
            SingleReader = false,
            AllowSynchronousContinuations = false,
        };
        _channel = Channel.CreateBounded<QmpEvent>(options, _ => Interlocked.Increment(ref _dropped));
    }

    internal ChannelReader<QmpEvent> Reader => _channel.Reader;

    internal long DroppedCount => Interlocked.Read(ref _dropped);

    /// <summary>Adds a waiter, or fails it at once when the connection is already closed.</summary>
    internal void Register(QmpEventWaiter waiter)
    {
        CloseReason? closed;
        lock (_gate)
        {
            closed = _closed;
            if (closed is null)
            {
                _waiters.Add(waiter);
                return;
            }
        }

        waiter.Fail(closed.ForWaiter());
    }

    internal void Unregister(QmpEventWaiter waiter)
    {
        lock (_gate)
        {
            _waiters.Remove(waiter);
        }
    }

    /// <summary>Serves the matching waiters (outside the lock: their predicates are user code), then the channel.</summary>
    internal void Publish(QmpEvent e)
    {
        QmpEventWaiter[] candidates;
        lock (_gate)
        {
            candidates = _waiters.Count == 0 ? Array.Empty<QmpEventWaiter>() : _waiters.ToArray();
        }

        foreach (QmpEventWaiter waiter in candidates)
        {
            if (waiter.TryDeliver(e))
            {
                Unregister(waiter);
            }
        }

        _channel.Writer.TryWrite(e);
    }

    /// <summary>Fails every waiter, refuses new ones, and ends the channel (readers drain what is buffered).</summary>
    internal void Close(CloseReason reason)
    {
        QmpEventWaiter[] waiters;
        lock (_gate)
        {
            if (_closed is not null)
            {
                return;
            }

            _closed = reason;
            waiters = _waiters.ToArray();
            _waiters.Clear();
        }

        foreach (QmpEventWaiter waiter in waiters)
        {
            waiter.Fail(reason.ForWaiter());
        }

        _channel.Writer.TryComplete();
    }
}
