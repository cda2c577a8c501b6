using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Toolstack.Runtime;

/// <summary>
/// A QMP (QEMU Machine Protocol) connection over a Unix socket: the greeting and capability
/// negotiation, commands with many calls in flight at once, events, and file-descriptor passing.
/// </summary>
/// <remarks>
/// <para>
/// Locking contract: every member that talks to QEMU is marked
/// <see cref="RequiresUnlockedAttribute"/>: call it with no short lock held (not the driver
/// lock, a domain lock or the JSON lock). A QMP call waits on another process that may be
/// stopped, slow or dead; the slow <see cref="QmpLock"/> may be held across it.
/// </para>
/// <para>
/// Every command gets a fresh id. One reader loop routes each reply to its call by id, so calls
/// may overlap freely from any thread; one writer sends the commands, one whole line at a time,
/// so a descriptor-carrying command never interleaves with another. Descriptor-carrying
/// commands additionally go one at a time, each until QEMU has answered it (QEMU keeps only
/// the descriptor it received last); other commands pass them. Each call honours its
/// <see cref="CancellationToken"/> even when QEMU does not answer (stopped with SIGSTOP, say):
/// the call ends as cancelled, the command may or may not have been executed, and its late
/// reply is dropped. Commands waiting for the writer are bounded by
/// <see cref="QmpClientOptions.SendQueueCapacity"/> (a call made while it is full fails at once
/// with <see cref="QmpSendQueueFullException"/>), and a call given up before it was written
/// leaves the queue at once: memory follows what is in flight, not how many calls were made.
/// </para>
/// <para>
/// When the connection ends (end of stream, a socket error, a protocol violation or
/// <see cref="DisposeAsync"/>), every pending call fails at once and later calls fail
/// immediately, with <see cref="QmpDisconnectedException"/> (<see cref="ObjectDisposedException"/>
/// after disposal).
/// </para>
/// </remarks>
public sealed partial class QmpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly QmpLineReader _reader;
    private readonly QmpClientOptions _options;
    private readonly QmpEventHub _events;
    private readonly ConcurrentDictionary<string, PendingCall> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PendingCall> _abandonedFdCalls = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _fdGate = new(1, 1);
    private readonly QmpSendQueue _sendQueue;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly CancellationToken _shutdownToken;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _idPrefix;
    private CloseReason? _closeReason;
    private long _nextId;
    private int _disposed;
    private Task _readLoop = Task.CompletedTask;
    private Task _writeLoop = Task.CompletedTask;
    private IReadOnlyList<string> _enabledCapabilities = Array.Empty<string>();

    private QmpClient(Socket socket, QmpLineReader reader, QmpClientOptions options, string socketPath, QmpGreeting greeting)
    {
        _socket = socket;
        _reader = reader;
        _options = options;
        SocketPath = socketPath;
        Greeting = greeting;
        _events = new QmpEventHub(options.EventBufferCapacity);
        _sendQueue = new QmpSendQueue(options.SendQueueCapacity);
        _shutdownToken = _shutdown.Token;
        _idPrefix = "ts" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-";
    }

    /// <summary>The Unix socket this client is connected to.</summary>
    public string SocketPath { get; }

    /// <summary>QEMU's greeting: its version and the capabilities it offered.</summary>
    public QmpGreeting Greeting { get; }

    /// <summary>The capabilities enabled by negotiation (<c>oob</c> when QEMU offered it).</summary>
    public IReadOnlyList<string> EnabledCapabilities => _enabledCapabilities;

    /// <summary>False once the connection has closed, for whatever reason.</summary>
    public bool IsConnected => Volatile.Read(ref _closeReason) is null;

    /// <summary>
    /// Completes (never faults) when the connection closes: end of stream, socket error,
    /// protocol violation, or disposal. Awaiting it is a wait: call with no short lock held.
    /// </summary>
    public Task Closed => _closed.Task;

    /// <summary>Commands waiting to be written (for tests: memory is bounded by this, not by history).</summary>
    internal int QueuedCommandCount => _sendQueue.Count;

    /// <summary>Calls awaiting their reply, queued or written (for tests).</summary>
    internal int PendingCallCount => _pending.Count;

    /// <summary>Connects with the default <see cref="QmpClientOptions"/>. See <see cref="ConnectAsync(string, QmpClientOptions, CancellationToken)"/>.</summary>
    /// <param name="socketPath">The QMP Unix socket, as given to QEMU's <c>-qmp unix:PATH,server=on</c>.</param>
    /// <param name="ct">Abandons the connect.</param>
    [RequiresUnlocked]
    public static Task<QmpClient> ConnectAsync(string socketPath, CancellationToken ct = default) =>
        ConnectAsync(socketPath, new QmpClientOptions(), ct);

    /// <summary>
    /// Connects to QEMU's QMP socket, reads the greeting and negotiates capabilities (enabling
    /// <c>oob</c> when offered). The whole handshake is bounded by
    /// <see cref="QmpClientOptions.ConnectTimeout"/>. Locking contract: it waits on another
    /// process, so call it with no short lock held (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="socketPath">The QMP Unix socket, as given to QEMU's <c>-qmp unix:PATH,server=on</c>.</param>
    /// <param name="options">Timeouts, limits and the diagnostics callback.</param>
    /// <param name="ct">Abandons the connect (<see cref="OperationCanceledException"/>).</param>
    /// <returns>A negotiated client, ready for commands; dispose it to disconnect.</returns>
    /// <exception cref="QmpConnectException">The socket could not be connected in time.</exception>
    /// <exception cref="QmpGreetingException">No valid greeting arrived in time (another client may hold the monitor).</exception>
    /// <exception cref="QmpNegotiationException"><c>qmp_capabilities</c> failed or did not answer in time.</exception>
    [RequiresUnlocked]
    public static async Task<QmpClient> ConnectAsync(string socketPath, QmpClientOptions options, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ct.ThrowIfCancellationRequested();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (options.ConnectTimeout != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(options.ConnectTimeout);
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        QmpClient? client = null;
        try
        {
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new QmpConnectException(socketPath, $"not connected within {options.ConnectTimeout.TotalMilliseconds:0} ms");
            }
            catch (SocketException e)
            {
                throw new QmpConnectException(socketPath, e.Message, e);
            }

            var reader = new QmpLineReader(
                PipeReader.Create(new NetworkStream(socket, ownsSocket: false), new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true)),
                options.MaxLineBytes);
            var earlyEvents = new List<QmpEvent>();
            QmpGreeting greeting = await ReadGreetingAsync(reader, socketPath, options, earlyEvents, ct, deadline.Token).ConfigureAwait(false);

            client = new QmpClient(socket, reader, options, socketPath, greeting);
            foreach (QmpEvent early in earlyEvents)
            {
                client._events.Publish(early);
            }

            client.Start();
            await client.NegotiateAsync(ct, deadline.Token).ConfigureAwait(false);
            return client;
        }
        catch
        {
            if (client is not null)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// Sends one QMP command and returns its <c>return</c> value. Locking contract: call with no
    /// short lock held (<see cref="RequiresUnlockedAttribute"/>); the slow <see cref="QmpLock"/> may be held.
    /// </summary>
    /// <param name="command">The command name, e.g. <c>query-status</c>.</param>
    /// <param name="arguments">
    /// The command's arguments: null for none; a <see cref="JsonElement"/> or
    /// <see cref="System.Text.Json.Nodes.JsonNode"/> object; or any object System.Text.Json
    /// serialises to a JSON object (null members are omitted; use a dictionary or
    /// <see cref="System.Text.Json.Nodes.JsonObject"/> for names like <c>node-name</c>).
    /// </param>
    /// <param name="ct">
    /// Abandons the wait for the reply, promptly, even when QEMU never answers. The command may
    /// already have been sent and may still take effect; its late reply is dropped.
    /// </param>
    /// <returns>The <c>return</c> member of the reply, detached from the wire buffer.</returns>
    /// <exception cref="QmpCommandException">QEMU answered with an error (its class and description).</exception>
    /// <exception cref="QmpDisconnectedException">The connection closed before the reply, or was already closed.</exception>
    /// <exception cref="QmpProtocolException">QEMU broke the protocol while the call was pending; the connection is closed.</exception>
    /// <exception cref="QmpSendQueueFullException">
    /// <see cref="QmpClientOptions.SendQueueCapacity"/> commands already wait to be written (QEMU is not
    /// reading); nothing was sent, and the connection stays up.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    [RequiresUnlocked]
    public Task<JsonElement> ExecuteAsync(string command, object? arguments = null, CancellationToken ct = default) =>
        ExecuteCoreAsync(command, arguments, null, endOfStreamIsSuccess: false, ct);

    /// <summary>
    /// Sends one QMP command with a file descriptor attached (SCM_RIGHTS), as <c>getfd</c> and
    /// <c>add-fd</c> need. A close-on-exec duplicate is taken at once, so the caller may close
    /// <paramref name="fd"/> as soon as this returns. Such commands go one at a time: this one
    /// is sent once every earlier descriptor-carrying command has been answered (even if its
    /// caller gave up), because QEMU keeps only the descriptor it received last. Locking
    /// contract: call with no short lock held (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="command">The command name, e.g. <c>getfd</c>.</param>
    /// <param name="arguments">The command's arguments, as for <see cref="ExecuteAsync"/>.</param>
    /// <param name="fd">The descriptor to pass; it stays the caller's.</param>
    /// <param name="ct">Abandons the wait for the reply, as for <see cref="ExecuteAsync"/>.</param>
    /// <returns>The <c>return</c> member of the reply.</returns>
    /// <exception cref="ArgumentException"><paramref name="fd"/> is not an open descriptor.</exception>
    /// <exception cref="QmpCommandException">QEMU answered with an error.</exception>
    /// <exception cref="QmpDisconnectedException">The connection closed before the reply, or was already closed.</exception>
    /// <exception cref="QmpSendQueueFullException">The send queue is full (QEMU is not reading); nothing was sent.</exception>
    [RequiresUnlocked]
    public Task<JsonElement> ExecuteWithFdAsync(string command, object? arguments, SafeHandle fd, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(fd);
        return ExecuteCoreAsync(command, arguments, new FdSource(fd, -1), endOfStreamIsSuccess: false, ct);
    }

    /// <summary>
    /// Sends one QMP command with the file descriptor number <paramref name="fd"/> attached
    /// (SCM_RIGHTS). A close-on-exec duplicate is taken at once, so the caller may close
    /// <paramref name="fd"/> as soon as this returns. Locking contract: call with no short lock
    /// held (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="command">The command name, e.g. <c>add-fd</c>.</param>
    /// <param name="arguments">The command's arguments, as for <see cref="ExecuteAsync"/>.</param>
    /// <param name="fd">The descriptor number to pass; it stays the caller's.</param>
    /// <param name="ct">Abandons the wait for the reply, as for <see cref="ExecuteAsync"/>.</param>
    /// <returns>The <c>return</c> member of the reply.</returns>
    /// <exception cref="ArgumentException"><paramref name="fd"/> is not an open descriptor.</exception>
    /// <exception cref="QmpCommandException">QEMU answered with an error.</exception>
    /// <exception cref="QmpDisconnectedException">The connection closed before the reply, or was already closed.</exception>
    /// <exception cref="QmpSendQueueFullException">The send queue is full (QEMU is not reading); nothing was sent.</exception>
    [RequiresUnlocked]
    public Task<JsonElement> ExecuteWithFdAsync(string command, object? arguments, int fd, CancellationToken ct = default) =>
        ExecuteCoreAsync(command, arguments, new FdSource(null, fd), endOfStreamIsSuccess: false, ct);

    /// <summary>
    /// Disconnects: pending calls fail with <see cref="QmpDisconnectedException"/>, event waiters
    /// fail, <see cref="Events"/> ends, and later calls throw <see cref="ObjectDisposedException"/>.
    /// Does not stop QEMU. Locking contract: it waits for the reader and writer to finish, so call
    /// it with no short lock held.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Close(CloseReason.Disposed(SocketPath));
        try
        {
            await Task.WhenAll(_readLoop, _writeLoop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The loops end by closing the connection; how they noticed does not matter here.
        }

        await _reader.CompleteAsync().ConfigureAwait(false);
        _socket.Dispose();
        // _shutdown stays undisposed: it has no timer, and late callers may still link to its token.
    }

    /// <summary>
    /// Reads up to the greeting. QEMU 7.2 can send an event first (a client that connects while
    /// QEMU is still starting may get <c>RESUME</c> before the greeting): such events are kept,
    /// in order, for <see cref="Events"/> and the waiters, up to
    /// <see cref="QmpClientOptions.MaxEventsBeforeGreeting"/> events and
    /// <see cref="QmpClientOptions.MaxBytesBeforeGreeting"/> bytes. Past either, the peer is
    /// flooding, not greeting: fail now rather than buffer until the connect timeout.
    /// </summary>
    private static async Task<QmpGreeting> ReadGreetingAsync(
        QmpLineReader reader, string socketPath, QmpClientOptions options, List<QmpEvent> earlyEvents,
        CancellationToken ct, CancellationToken deadline)
    {
        while (true)
        {
            JsonDocument? document;
            try
            {
                document = await reader.ReadMessageAsync(deadline, options.MaxBytesBeforeGreeting).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new QmpGreetingException(socketPath,
                    $"no complete greeting within {options.ConnectTimeout.TotalMilliseconds:0} ms (nothing, or a line never ended); QEMU greets one client at a time, so another client may be connected");
            }
            catch (QmpProtocolException e) when (reader.ConsumedBytes > options.MaxBytesBeforeGreeting)
            {
                throw TooMuchBeforeGreeting(socketPath, options, bytes: true, e);
            }
            catch (QmpProtocolException e)
            {
                throw new QmpGreetingException(socketPath, e.Message, e);
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                throw new QmpGreetingException(socketPath, e.Message, e);
            }

            if (document is null)
            {
                throw new QmpGreetingException(socketPath, reader.TruncatedBytes == 0
                    ? "the connection closed before the greeting"
                    : $"the connection closed in the middle of the greeting ({reader.TruncatedBytes} bytes received)");
            }

            using (document)
            {
                JsonElement message = document.RootElement;
                if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("event", out _) &&
                    QmpEvent.Parse(message) is QmpEvent early)
                {
                    if (earlyEvents.Count >= options.MaxEventsBeforeGreeting)
                    {
                        throw TooMuchBeforeGreeting(socketPath, options, bytes: false, null);
                    }

                    if (reader.ConsumedBytes > options.MaxBytesBeforeGreeting)
                    {
                        throw TooMuchBeforeGreeting(socketPath, options, bytes: true, null);
                    }

                    earlyEvents.Add(early);
                    continue;
                }

                try
                {
                    return QmpGreeting.Parse(message);
                }
                catch (QmpProtocolException e)
                {
                    throw new QmpGreetingException(socketPath, e.Message, e);
                }
            }
        }
    }

    private static QmpGreetingException TooMuchBeforeGreeting(string socketPath, QmpClientOptions options, bool bytes, Exception? cause) =>
        new(socketPath, bytes
            ? $"more than {options.MaxBytesBeforeGreeting} bytes before the greeting (QmpClientOptions.MaxBytesBeforeGreeting); the peer floods instead of greeting"
            : $"more than {options.MaxEventsBeforeGreeting} events before the greeting (QmpClientOptions.MaxEventsBeforeGreeting); the peer floods instead of greeting",
            cause);

    private async Task NegotiateAsync(CancellationToken ct, CancellationToken deadline)
    {
        var enable = new List<string>();
        foreach (string capability in Greeting.Capabilities)
        {
            if (capability == "oob")
            {
                enable.Add(capability);
            }
        }

        object? arguments = enable.Count == 0 ? null : new Dictionary<string, object> { ["enable"] = enable };
        try
        {
            await ExecuteCoreAsync("qmp_capabilities", arguments, null, endOfStreamIsSuccess: false, deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new QmpNegotiationException(SocketPath, $"no reply within {_options.ConnectTimeout.TotalMilliseconds:0} ms");
        }
        catch (QmpException e)
        {
            throw new QmpNegotiationException(SocketPath, e.Message, e);
        }

        _enabledCapabilities = enable.AsReadOnly();
    }

    private void Start()
    {
        _readLoop = Task.Run(ReadLoopAsync);
        _writeLoop = Task.Run(WriteLoopAsync);
    }

    private async Task<JsonElement> ExecuteCoreAsync(string command, object? arguments, FdSource? fd, bool endOfStreamIsSuccess, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        ct.ThrowIfCancellationRequested();
        ThrowIfClosed();
        if (_sendQueue.IsFull)
        {
            // Refused before the arguments are serialised: a flood costs no memory per call.
            throw new QmpSendQueueFullException(SocketPath, command, _sendQueue.Capacity);
        }

        JsonElement? args = QmpJson.ToArgumentsObject(arguments, nameof(arguments));

        int duplicate = -1;
        SemaphoreSlim? gate = null;
        if (fd is FdSource source)
        {
            duplicate = source.Duplicate();
            try
            {
                await EnterFdGateAsync(ct).ConfigureAwait(false);
            }
            catch
            {
                ScmRights.Close(duplicate);
                throw;
            }

            gate = _fdGate;
        }

        string id = _idPrefix + Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var call = new PendingCall(id, command, endOfStreamIsSuccess, gate);
        var message = new OutgoingMessage(call, QmpCommandFormatter.Format(command, args, id), duplicate);

        _pending[id] = call;
        if (Volatile.Read(ref _closeReason) is CloseReason closed && _pending.TryRemove(new KeyValuePair<string, PendingCall>(id, call)))
        {
            message.Dispose();
            call.Settle();
            throw closed.ForLaterCall();
        }

        switch (_sendQueue.TryEnqueue(message))
        {
            case QmpSendQueue.EnqueueResult.Full:
                // QEMU is not reading: refuse now rather than hold the call (and its memory) for later.
                message.Dispose();
                if (_pending.TryRemove(new KeyValuePair<string, PendingCall>(id, call)))
                {
                    call.Settle();
                    throw new QmpSendQueueFullException(SocketPath, command, _sendQueue.Capacity);
                }

                break; // the close got there first and failed the call
            case QmpSendQueue.EnqueueResult.Completed:
                // The connection is closing: the close fails the call.
                message.Dispose();
                break;
        }

        using (ct.Register(static (state, token) =>
               {
                   var (client, pending, outgoing) = ((QmpClient, PendingCall, OutgoingMessage))state!;
                   client.Abandon(pending, outgoing, token);
               }, (this, call, message)))
        {
            return await call.Completion.Task.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Descriptor-carrying commands go one at a time, each until QEMU has answered it: QEMU keeps
    /// only the descriptor received last, so a second one arriving before the first command ran
    /// would replace it. Other commands are not held up.
    /// </summary>
    private async Task EnterFdGateAsync(CancellationToken ct)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, _shutdownToken);
        try
        {
            await _fdGate.WaitAsync(either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && Volatile.Read(ref _closeReason) is not null)
        {
            // Closed while this call waited its turn: it fails like the calls already pending.
            throw Volatile.Read(ref _closeReason)!.ForPendingCall();
        }

        if (Volatile.Read(ref _closeReason) is CloseReason closed)
        {
            _fdGate.Release();
            throw closed.ForPendingCall();
        }
    }

    /// <summary>
    /// The caller's token fired: forget the call, so a late reply is dropped as unknown; a call
    /// not yet written leaves the send queue at once. A
    /// descriptor-carrying call already sent keeps the gate until its late reply (or the close).
    /// </summary>
    private void Abandon(PendingCall call, OutgoingMessage message, CancellationToken token)
    {
        bool unsent = call.TryAbandonUnsent();
        if (unsent && _sendQueue.TryRemove(message))
        {
            // Out of the queue now, not when the (maybe stuck) writer reaches it.
            message.Dispose();
        }
        if (!unsent && call.FdGate is not null)
        {
            // Before leaving the pending table, so the reader finds it in one table or the other.
            _abandonedFdCalls[call.Id] = call;
        }

        if (_pending.TryRemove(new KeyValuePair<string, PendingCall>(call.Id, call)))
        {
            call.Completion.TrySetCanceled(token);
            if (unsent)
            {
                call.Settle();
            }
            else if (Volatile.Read(ref _closeReason) is not null)
            {
                call.Settle(); // the close may have swept the abandoned table already
            }
        }
        else if (!unsent && call.FdGate is not null)
        {
            // The reply (or the close) got there first and settled it.
            _abandonedFdCalls.TryRemove(new KeyValuePair<string, PendingCall>(call.Id, call));
        }
    }

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _closeReason) is CloseReason closed)
        {
            throw closed.ForLaterCall();
        }
    }

    /// <summary>
    /// Closes the connection once: records why, stops the writer and the reader, fails every
    /// pending call and event waiter, and ends <see cref="Events"/>.
    /// </summary>
    private void Close(CloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is not null)
        {
            return;
        }

        foreach (OutgoingMessage unsent in _sendQueue.Complete())
        {
            unsent.Dispose(); // its call is failed below, with the other pending ones
        }

        try
        {
            _shutdown.Cancel();
        }
        catch (AggregateException)
        {
            // Registered callbacks are ours and do not throw; nothing to do.
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already disconnected.
        }

        foreach (KeyValuePair<string, PendingCall> entry in _pending)
        {
            if (_pending.TryRemove(entry))
            {
                PendingCall call = entry.Value;
                if (call.EndOfStreamIsSuccess && call.WriteStarted && reason.IsPeerClose)
                {
                    call.Completion.TrySetResult(QmpJson.EmptyObject);
                }
                else
                {
                    call.Completion.TrySetException(reason.ForPendingCall());
                }

                call.Settle();
            }
        }

        foreach (KeyValuePair<string, PendingCall> entry in _abandonedFdCalls)
        {
            if (_abandonedFdCalls.TryRemove(entry))
            {
                entry.Value.Settle();
            }
        }

        _events.Close(reason);
        _closed.TrySetResult();
    }

    private void Log(string message)
    {
        Action<string>? log = _options.Log;
        if (log is null)
        {
            return;
        }

        try
        {
            log(message);
        }
        catch (Exception)
        {
            // A diagnostics callback must not take the connection down.
        }
    }

    /// <summary>A descriptor to pass, as the caller gave it: a handle, or a number.</summary>
    private readonly struct FdSource
    {
        private readonly SafeHandle? _handle;
        private readonly int _number;

        internal FdSource(SafeHandle? handle, int number)
        {
            _handle = handle;
            _number = number;
        }

        internal int Duplicate() => _handle is null
            ? ScmRights.Duplicate(_number, "fd")
            : ScmRights.Duplicate(_handle, "fd");
    }
}
