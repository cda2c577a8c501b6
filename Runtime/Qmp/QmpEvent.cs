using System;
using System.Text.Json;

namespace Toolstack.Runtime;

/// <summary>An asynchronous QMP event, e.g. <c>STOP</c>, <c>SHUTDOWN</c>, <c>DEVICE_DELETED</c>.</summary>
public sealed class QmpEvent
{
    /// <summary>Creates an event.</summary>
    /// <param name="name">The event name, e.g. <c>STOP</c>.</param>
    /// <param name="data">The event's <c>data</c> object; an empty object when it has none.</param>
    /// <param name="timestamp">When QEMU emitted it.</param>
    public QmpEvent(string name, JsonElement data, DateTimeOffset timestamp)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Data = data;
        Timestamp = timestamp;
    }

    /// <summary>The event name, e.g. <c>DEVICE_TRAY_MOVED</c>.</summary>
    public string Name { get; }

    /// <summary>The event's <c>data</c> object (detached from the wire buffer); an empty object when the event has none.</summary>
    public JsonElement Data { get; }

    /// <summary>When QEMU emitted the event (its <c>timestamp</c>: seconds and microseconds since the Unix epoch, UTC).</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The name and the data, for diagnostics.</summary>
    public override string ToString() => $"{Name} {Data.GetRawText()}";

    /// <summary>Reads <c>{"event": name, "data": {...}, "timestamp": {"seconds", "microseconds"}}</c>; null when the name is missing.</summary>
    internal static QmpEvent? Parse(JsonElement message)
    {
        if (!message.TryGetProperty("event", out JsonElement name) || name.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        JsonElement data = message.TryGetProperty("data", out JsonElement d) ? d.Clone() : QmpJson.EmptyObject;
        DateTimeOffset timestamp = DateTimeOffset.UnixEpoch;
        if (message.TryGetProperty("timestamp", out JsonElement stamp) && stamp.ValueKind == JsonValueKind.Object &&
            stamp.TryGetProperty("seconds", out JsonElement seconds) && seconds.TryGetInt64(out long s) &&
            stamp.TryGetProperty("microseconds", out JsonElement micros) && micros.TryGetInt64(out long us))
        {
            timestamp = FromUnix(s, us);
        }

        return new QmpEvent(name.GetString()!, data, timestamp);
    }

    internal static DateTimeOffset FromUnix(long seconds, long microseconds)
    {
        const long MaxSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z
        if (seconds < 0 || seconds > MaxSeconds || microseconds < 0 || microseconds >= 1_000_000)
        {
            return DateTimeOffset.UnixEpoch;
        }

        return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(microseconds * TimeSpan.TicksPerMicrosecond);
    }
}
