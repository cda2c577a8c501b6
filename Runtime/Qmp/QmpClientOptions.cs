using System;
using System.Threading;

namespace Toolstack.Runtime;

/// <summary>Settings of one <see cref="QmpClient"/> connection. Immutable once passed to <see cref="QmpClient.ConnectAsync(string, QmpClientOptions, CancellationToken)"/>.</summary>
public sealed class QmpClientOptions
{
    /// <summary>The default <see cref="MaxLineBytes"/>: 4 MiB.</summary>
    public const int DefaultMaxLineBytes = 4 * 1024 * 1024;

    /// <summary>The default <see cref="EventBufferCapacity"/>.</summary>
    public const int DefaultEventBufferCapacity = 1024;

    /// <summary>The default <see cref="MaxEventsBeforeGreeting"/>.</summary>
    public const int DefaultMaxEventsBeforeGreeting = 64;

    /// <summary>The default <see cref="MaxBytesBeforeGreeting"/>: 1 MiB.</summary>
    public const int DefaultMaxBytesBeforeGreeting = 1024 * 1024;

    /// <summary>The default <see cref="SendQueueCapacity"/>.</summary>
    public const int DefaultSendQueueCapacity = 1024;

    /// <summary>The default <see cref="ConnectTimeout"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Bounds the whole handshake: connecting the socket, waiting for the greeting and
    /// negotiating capabilities. QEMU greets a second client only when the first one leaves, so
    /// this is also how long a connect to a busy monitor waits. <see cref="Timeout.InfiniteTimeSpan"/>
    /// disables the bound.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = DefaultConnectTimeout;

    /// <summary>
    /// The longest line (one JSON message) accepted from QEMU. A longer one is a
    /// <see cref="QmpProtocolException"/> that closes the connection; it is detected after at most
    /// this many bytes (plus one read) have been buffered, never by buffering the whole line.
    /// </summary>
    public int MaxLineBytes { get; init; } = DefaultMaxLineBytes;

    /// <summary>
    /// How many events <see cref="QmpClient.Events"/> buffers for a slow reader. When it is full,
    /// the oldest event is dropped and counted in <see cref="QmpClient.DroppedEventCount"/>.
    /// Event waiters (<see cref="QmpClient.WaitForEvent"/>) are served before the buffer and lose nothing.
    /// </summary>
    public int EventBufferCapacity { get; init; } = DefaultEventBufferCapacity;

    /// <summary>
    /// How many events QEMU may send before its greeting. QEMU 7.2 sends at most a few (a client
    /// that connects while QEMU starts may get <c>RESUME</c> first); they are kept for
    /// <see cref="QmpClient.Events"/>. One more fails the connect at once with
    /// <see cref="QmpGreetingException"/>: a peer that floods events instead of greeting is not QEMU
    /// speaking QMP, and waiting for the <see cref="ConnectTimeout"/> would buffer all of them.
    /// 0 refuses any event before the greeting.
    /// </summary>
    public int MaxEventsBeforeGreeting { get; init; } = DefaultMaxEventsBeforeGreeting;

    /// <summary>
    /// How many bytes (events and blank lines) may come before the greeting line. More fails the
    /// connect at once with <see cref="QmpGreetingException"/>, as for <see cref="MaxEventsBeforeGreeting"/>.
    /// The greeting line itself is bounded by <see cref="MaxLineBytes"/>.
    /// </summary>
    public int MaxBytesBeforeGreeting { get; init; } = DefaultMaxBytesBeforeGreeting;

    /// <summary>
    /// How many commands may wait to be written to the socket. Only calls not yet written count:
    /// a call whose token fires while it waits leaves the queue at once, and calls already written
    /// are limited by the socket's buffer. When QEMU stops reading (stopped with SIGSTOP, hung)
    /// the writer blocks and commands queue up; a call made while the queue is full fails at once
    /// with <see cref="QmpSendQueueFullException"/>, so memory is bounded by what is in flight,
    /// never by how many calls were made and given up.
    /// </summary>
    public int SendQueueCapacity { get; init; } = DefaultSendQueueCapacity;

    /// <summary>
    /// Receives diagnostics about messages the client drops: replies with an unknown id (such as
    /// the late reply of a cancelled call) and messages of no known kind. Called on the client's
    /// reader; it must be quick and must not call back into the client. Exceptions it throws are ignored.
    /// </summary>
    public Action<string>? Log { get; init; }

    internal void Validate()
    {
        if (ConnectTimeout <= TimeSpan.Zero && ConnectTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "The connect timeout must be positive or infinite.");
        }

        if (MaxLineBytes < 256)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLineBytes), MaxLineBytes, "The line limit must be at least 256 bytes.");
        }

        if (MaxEventsBeforeGreeting < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEventsBeforeGreeting), MaxEventsBeforeGreeting, "The number of events before the greeting cannot be negative.");
        }

        if (MaxBytesBeforeGreeting < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBytesBeforeGreeting), MaxBytesBeforeGreeting, "The bytes before the greeting cannot be negative.");
        }

        if (SendQueueCapacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(SendQueueCapacity), SendQueueCapacity, "The send queue must hold at least one command.");
        }

        if (EventBufferCapacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(EventBufferCapacity), EventBufferCapacity, "The event buffer must hold at least one event.");
        }
    }
}
