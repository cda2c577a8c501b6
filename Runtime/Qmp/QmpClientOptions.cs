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

        if (EventBufferCapacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(EventBufferCapacity), EventBufferCapacity, "The event buffer must hold at least one event.");
        }
    }
}
