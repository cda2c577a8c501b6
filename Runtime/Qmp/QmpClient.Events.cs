using System;
using System.Collections.Generic;

namespace Toolstack.Runtime;

/// <summary>Events: the buffered stream, and waiters registered ahead of the command that causes them.</summary>
public sealed partial class QmpClient
{
    /// <summary>
    /// Every event QEMU sends, in order, from a bounded buffer
    /// (<see cref="QmpClientOptions.EventBufferCapacity"/>): when a slow reader lets it fill, the
    /// oldest event is dropped and counted in <see cref="DroppedEventCount"/>. Enumerations share
    /// one buffer (each event goes to one of them); an enumeration ends when the connection closes
    /// and the buffer is drained. To wait for the event a command causes, use
    /// <see cref="WaitForEvent"/> instead: it sees every event and is registered in time.
    /// Locking contract: enumerating awaits, so do it with no short lock held.
    /// </summary>
    public IAsyncEnumerable<QmpEvent> Events => _events.Reader.ReadAllAsync();

    /// <summary>How many events <see cref="Events"/> dropped because its buffer was full.</summary>
    public long DroppedEventCount => _events.DroppedCount;

    /// <summary>
    /// Registers a wait for the next event named <paramref name="name"/> (and matching
    /// <paramref name="match"/>, if given). Register it BEFORE sending the command that causes the
    /// event: QEMU sends state-change events (<c>STOP</c>, <c>RESUME</c>, <c>SHUTDOWN</c>, ...)
    /// before the command's reply. Registering does not wait, so any lock may be held; awaiting
    /// the waiter is a wait (<see cref="QmpEventWaiter.WaitAsync"/> is <see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="name">The event name, e.g. <c>DEVICE_DELETED</c> (case-sensitive, as QEMU spells it).</param>
    /// <param name="match">
    /// Tells the awaited event apart from others of the same name, e.g. by <c>data.device</c>.
    /// Runs on the client's reader: keep it quick, and do not call the client from it.
    /// </param>
    /// <returns>The waiter; dispose it to unregister. If the connection has closed, its task has already failed.</returns>
    public QmpEventWaiter WaitForEvent(string name, Func<QmpEvent, bool>? match = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var waiter = new QmpEventWaiter(_events, name, match);
        _events.Register(waiter);
        return waiter;
    }
}
