using System;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Toolstack.Runtime;

/// <summary>The connection's two loops: the one reader that routes what QEMU sends, and the one writer.</summary>
public sealed partial class QmpClient
{
    private async Task ReadLoopAsync()
    {
        CancellationToken token = _shutdown.Token;
        try
        {
            while (true)
            {
                using JsonDocument? message = await _reader.ReadMessageAsync(token).ConfigureAwait(false);
                if (message is null)
                {
                    Close(CloseReason.EndOfStream(SocketPath, _reader.TruncatedBytes));
                    return;
                }

                Dispatch(message.RootElement);
            }
        }
        catch (QmpProtocolException e)
        {
            Close(CloseReason.ProtocolError(SocketPath, e));
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Closed (and the reason recorded) by whoever cancelled.
        }
        catch (Exception e)
        {
            Close(CloseReason.SocketError(SocketPath, e));
        }
    }

    /// <summary>Routes one message: an event, a reply to a pending call, or something to drop.</summary>
    private void Dispatch(JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            throw new QmpProtocolException($"QMP sent a {message.ValueKind} where a message object belongs: {QmpJson.Snippet(message)}");
        }

        if (message.TryGetProperty("event", out _))
        {
            if (QmpEvent.Parse(message) is QmpEvent e)
            {
                _events.Publish(e);
            }
            else
            {
                Log($"QMP: dropped an event without a name: {QmpJson.Snippet(message)}");
            }

            return;
        }

        bool isReturn = message.TryGetProperty("return", out JsonElement result);
        bool isError = message.TryGetProperty("error", out JsonElement error);
        if (!isReturn && !isError)
        {
            Log($"QMP: dropped a message of unknown kind: {QmpJson.Snippet(message)}");
            return;
        }

        bool hasId = message.TryGetProperty("id", out JsonElement idElement);
        if (isError && !hasId)
        {
            // QEMU answers without an id only when it could not read the command: the stream is
            // out of step, and no pending call can be told which of them it was.
            throw new QmpProtocolException($"QMP sent an error reply without an id: {QmpJson.Snippet(error)}");
        }

        string? id = hasId && idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : null;
        if (id is null || !_pending.TryRemove(id, out PendingCall? call))
        {
            if (id is not null && _abandonedFdCalls.TryRemove(id, out PendingCall? abandoned))
            {
                abandoned.Settle(); // QEMU has run it: the next descriptor may go
            }

            Log($"QMP: dropped a reply with an unknown id {(hasId ? idElement.GetRawText() : "(none)")} " +
                $"(a call that was cancelled or never made): {QmpJson.Snippet(message)}");
            return;
        }

        if (call.FdGate is not null)
        {
            _abandonedFdCalls.TryRemove(new KeyValuePair<string, PendingCall>(id, call));
            call.Settle();
        }

        if (isError)
        {
            string errorClass = QmpJson.OptionalString(error, "class") ?? "GenericError";
            string description = QmpJson.OptionalString(error, "desc") ?? error.GetRawText();
            call.Completion.TrySetException(new QmpCommandException(call.Command, errorClass, description));
        }
        else
        {
            call.Completion.TrySetResult(result.Clone());
        }
    }

    private async Task WriteLoopAsync()
    {
        CancellationToken token = _shutdown.Token;
        try
        {
            while (await _sendQueue.DequeueAsync(token).ConfigureAwait(false) is OutgoingMessage message)
            {
                using (message)
                {
                    if (!message.Call.TryBeginWrite())
                    {
                        continue; // abandoned as the writer took it: never sent
                    }

                    await SendAsync(message, token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Closed (and the reason recorded) by whoever cancelled.
        }
        catch (Exception e)
        {
            Close(CloseReason.SocketError(SocketPath, e));
        }

        // Whatever is still queued is the close's to dispose: it completes the queue.
    }

    /// <summary>Sends one whole line; a descriptor rides on its first byte via sendmsg.</summary>
    private async Task SendAsync(OutgoingMessage message, CancellationToken token)
    {
        ReadOnlyMemory<byte> remaining = message.Line;
        if (message.FileDescriptor >= 0)
        {
            while (true)
            {
                int sent = ScmRights.TrySend(_socket, remaining.Span, message.FileDescriptor);
                if (sent > 0)
                {
                    remaining = remaining.Slice(sent);
                    break;
                }

                // The socket's buffer is full (QEMU is not reading): wait for room.
                await Task.Delay(TimeSpan.FromMilliseconds(2), token).ConfigureAwait(false);
            }
        }

        while (!remaining.IsEmpty)
        {
            int sent = await _socket.SendAsync(remaining, SocketFlags.None, token).ConfigureAwait(false);
            remaining = remaining.Slice(sent);
        }
    }
}
