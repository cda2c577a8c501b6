using System;
using System.Threading;
using System.Threading.Tasks;

namespace Toolstack.Runtime;

/// <summary>
/// A wait for one QMP event, registered before the command that causes it is sent (QEMU emits
/// state-change events such as <c>STOP</c> before the command's reply). Made by
/// <see cref="QmpClient.WaitForEvent"/>; dispose it to unregister.
/// </summary>
/// <remarks>
/// The waiter sees events whether or not anybody reads <see cref="QmpClient.Events"/>, and is
/// never subject to that buffer's drops. It completes with the first matching event after its
/// registration, fails with <see cref="QmpDisconnectedException"/> if the connection closes
/// first, and is cancelled by <see cref="Dispose"/>.
/// </remarks>
public sealed class QmpEventWaiter : IDisposable
{
    private readonly QmpEventHub _hub;
    private readonly Func<QmpEvent, bool>? _match;
    private readonly TaskCompletionSource<QmpEvent> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal QmpEventWaiter(QmpEventHub hub, string eventName, Func<QmpEvent, bool>? match)
    {
        _hub = hub;
        EventName = eventName;
        _match = match;
    }

    /// <summary>The event name waited for, e.g. <c>DEVICE_DELETED</c>.</summary>
    public string EventName { get; }

    /// <summary>
    /// Completes with the matching event; faults with <see cref="QmpDisconnectedException"/> when the
    /// connection closes first, or with what the match predicate threw; cancelled on <see cref="Dispose"/>.
    /// </summary>
    public Task<QmpEvent> Task => _completion.Task;

    /// <summary>
    /// Waits for the event. Locking contract: it waits, so call it with no short lock held
    /// (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="ct">Abandons this wait (the waiter stays registered until disposed).</param>
    [RequiresUnlocked]
    public Task<QmpEvent> WaitAsync(CancellationToken ct = default) => _completion.Task.WaitAsync(ct);

    /// <summary>Unregisters the waiter; if no event matched yet, <see cref="Task"/> is cancelled.</summary>
    public void Dispose()
    {
        _hub.Unregister(this);
        _completion.TrySetCanceled();
    }

    /// <summary>Completes the waiter if <paramref name="e"/> is the awaited event; true when it did.</summary>
    internal bool TryDeliver(QmpEvent e)
    {
        if (_completion.Task.IsCompleted || !string.Equals(e.Name, EventName, StringComparison.Ordinal))
        {
            return false;
        }

        bool matches;
        try
        {
            matches = _match is null || _match(e);
        }
        catch (Exception failure)
        {
            return _completion.TrySetException(failure);
        }

        return matches && _completion.TrySetResult(e);
    }

    internal void Fail(Exception failure) => _completion.TrySetException(failure);
}
