using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Toolstack.Runtime;

/// <summary>
/// One command awaiting its reply, keyed by its id in the client's pending table. Whoever removes
/// it from the table (the reader with the reply, the caller's cancellation, or the close)
/// completes it; the table removal is what makes that single.
/// </summary>
/// <remarks>
/// A descriptor-carrying call also holds the client's descriptor gate until it is
/// <em>settled</em>: its reply arrived (even after the caller gave up), it was abandoned before
/// being written, or the connection closed. <see cref="Settle"/> releases the gate exactly once.
/// </remarks>
internal sealed class PendingCall
{
    private const int Queued = 0;
    private const int Written = 1;
    private const int AbandonedUnsent = 2;

    private int _state;
    private int _settled;

    internal PendingCall(string id, string command, bool endOfStreamIsSuccess, SemaphoreSlim? fdGate)
    {
        Id = id;
        Command = command;
        EndOfStreamIsSuccess = endOfStreamIsSuccess;
        FdGate = fdGate;
    }

    internal string Id { get; }

    internal string Command { get; }

    /// <summary>
    /// For <c>quit</c>: QEMU may close the connection instead of (or right after) replying, so
    /// the end of the stream after the command went out completes the call successfully.
    /// </summary>
    internal bool EndOfStreamIsSuccess { get; }

    /// <summary>The gate this call holds until settled (descriptor-carrying calls), or null.</summary>
    internal SemaphoreSlim? FdGate { get; }

    /// <summary>True once the writer has begun sending it: from then on QEMU may act on it.</summary>
    internal bool WriteStarted => Volatile.Read(ref _state) == Written;

    /// <summary>Continuations run on the thread pool, never inline on the reader loop.</summary>
    internal TaskCompletionSource<JsonElement> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The writer's claim: false when the caller abandoned the call first (do not send it).</summary>
    internal bool TryBeginWrite() => Interlocked.CompareExchange(ref _state, Written, Queued) == Queued;

    /// <summary>The caller's claim on cancellation: true when the call was never sent (and now never will be).</summary>
    internal bool TryAbandonUnsent() => Interlocked.CompareExchange(ref _state, AbandonedUnsent, Queued) == Queued;

    /// <summary>QEMU is done with it (or never got it): release the descriptor gate, once.</summary>
    internal void Settle()
    {
        if (FdGate is not null && Interlocked.Exchange(ref _settled, 1) == 0)
        {
            FdGate.Release();
        }
    }
}
