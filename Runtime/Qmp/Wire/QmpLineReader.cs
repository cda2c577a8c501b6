using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Toolstack.Runtime;

/// <summary>
/// Reads QMP's newline-delimited JSON from a <see cref="PipeReader"/>, one message at a time,
/// with a bounded buffer: a line longer than the limit is refused as soon as the limit is
/// passed, not after buffering it. Not thread-safe: one reader at a time (the handshake, then
/// the client's reader loop).
/// </summary>
internal sealed class QmpLineReader
{
    private static readonly JsonDocumentOptions s_documentOptions = new() { MaxDepth = 64 };

    private readonly PipeReader _pipe;
    private readonly int _maxLineBytes;

    internal QmpLineReader(PipeReader pipe, int maxLineBytes)
    {
        _pipe = pipe;
        _maxLineBytes = maxLineBytes;
    }

    /// <summary>Bytes of whole lines consumed so far (newlines included, blank lines too).</summary>
    internal long ConsumedBytes { get; private set; }

    /// <summary>Bytes of an unfinished line that were discarded at end of stream (0 if none).</summary>
    internal long TruncatedBytes { get; private set; }

    /// <summary>
    /// The next non-blank line as a JSON document (the caller disposes it), or null at end of
    /// stream. Throws <see cref="QmpProtocolException"/> for an oversized or malformed line, and
    /// when skipped blank lines take <see cref="ConsumedBytes"/> past <paramref name="blankLimit"/>
    /// (blank lines never reach the caller, so only here can a flood of them be stopped).
    /// </summary>
    internal async ValueTask<JsonDocument?> ReadMessageAsync(CancellationToken ct, long blankLimit = long.MaxValue)
    {
        long scanned = 0;
        while (true)
        {
            ReadResult result = await _pipe.ReadAsync(ct).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;

            SequencePosition? newline = buffer.Slice(scanned).PositionOf((byte)'\n');
            if (newline is SequencePosition end)
            {
                ReadOnlySequence<byte> line = buffer.Slice(0, end);
                SequencePosition next = buffer.GetPosition(1, end);
                JsonDocument? document;
                try
                {
                    document = Parse(line);
                }
                finally
                {
                    ConsumedBytes += line.Length + 1;
                    _pipe.AdvanceTo(next);
                }

                if (document is not null)
                {
                    return document;
                }

                if (ConsumedBytes > blankLimit)
                {
                    throw new QmpProtocolException($"QMP sent blank lines past {blankLimit} bytes.");
                }

                scanned = 0;
                continue;
            }

            if (buffer.Length > _maxLineBytes)
            {
                _pipe.AdvanceTo(buffer.End);
                throw Oversized(buffer.Length, complete: false);
            }

            if (result.IsCompleted)
            {
                TruncatedBytes = IsBlank(buffer) ? 0 : buffer.Length;
                _pipe.AdvanceTo(buffer.End);
                return null;
            }

            if (result.IsCanceled)
            {
                _pipe.AdvanceTo(buffer.Start, buffer.End);
                throw new OperationCanceledException("The read was cancelled.");
            }

            scanned = buffer.Length;
            _pipe.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    internal ValueTask CompleteAsync() => _pipe.CompleteAsync();

    private JsonDocument? Parse(ReadOnlySequence<byte> line)
    {
        if (line.Length > _maxLineBytes)
        {
            throw Oversized(line.Length, complete: true);
        }

        if (IsBlank(line))
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(line, s_documentOptions);
        }
        catch (JsonException e)
        {
            throw new QmpProtocolException($"QMP sent a line that is not JSON ({e.Message}): {Snippet(line)}", e);
        }
    }

    private QmpProtocolException Oversized(long length, bool complete) =>
        new(complete
            ? $"QMP sent a line of {length} bytes, over the limit of {_maxLineBytes} bytes (QmpClientOptions.MaxLineBytes)."
            : $"QMP sent more than {_maxLineBytes} bytes without a newline (over QmpClientOptions.MaxLineBytes); read {length} bytes of it and stopped.");

    private static bool IsBlank(ReadOnlySequence<byte> bytes)
    {
        foreach (ReadOnlyMemory<byte> segment in bytes)
        {
            foreach (byte b in segment.Span)
            {
                if (b != (byte)' ' && b != (byte)'\t' && b != (byte)'\r' && b != (byte)'\n')
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static string Snippet(ReadOnlySequence<byte> line)
    {
        const int Max = 200;
        ReadOnlySequence<byte> head = line.Length <= Max ? line : line.Slice(0, Max);
        string text = Encoding.UTF8.GetString(head.ToArray()).TrimEnd('\r');
        return line.Length <= Max ? text : text + "...";
    }
}
