using System.Diagnostics;
using System.Text;
using Toolstack.Runtime;
using Toolstack.Runtime.Tests.Qmp.Support;
using Toolstack.Soak.Support;

namespace Toolstack.Soak.Sections;

/// <summary>
/// The QMP fault matrix against the scripted peer (<see cref="FakeQmpServer"/>): one figure per
/// case. Target for each: the client's call or connect fails with the case's typed exception (a
/// <see cref="QmpException"/>; for a caller's deadline, the caller's own
/// <see cref="OperationCanceledException"/>), never a raw IOException, JsonException or
/// NullReferenceException, within the case's time bound, with what the client held at once
/// (<see cref="PeakHeapSampler.HeldGrowth"/>: live at forced full collections) at most
/// <see cref="HeapBound"/> above the baseline. The uncollected peak is printed too, for scale: it
/// grows with the allocation rate (a flood of refused calls allocates and drops), not with what is held.
/// </summary>
internal static class FaultMatrixSection
{
    /// <summary>
    /// 16 × the 1 MiB line limit the oversized case sets, and 4 × the default 4 MiB one: room for
    /// one line at the limit, the pipe's buffers and a full send queue (1,024 queued 4 KiB calls),
    /// far below what an unbounded buffer reaches within the cases' time bounds (hundreds of MiB).
    /// </summary>
    public const long HeapBound = 16L * 1024 * 1024;

    private const int LineLimit = 1024 * 1024;
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_slack = TimeSpan.FromSeconds(1);
    private static readonly Type[] s_qmp = [typeof(QmpException)];
    private static readonly Type[] s_cancelled = [typeof(OperationCanceledException)];

    public static async Task<IReadOnlyList<Figure>> RunAsync()
    {
        var figures = new List<Figure>();
        foreach (FaultCase fault in Cases())
        {
            Reaper.Stopping.ThrowIfCancellationRequested();
            figures.Add(await RunAsync(fault));
        }

        return figures;
    }

    private static IEnumerable<FaultCase> Cases()
    {
        var quickConnect = new QmpClientOptions { ConnectTimeout = s_deadline };
        yield return new FaultCase(
            "malformed",
            async (peer, ct) =>
            {
                await peer.NegotiateAsync(ct);
                await peer.ExpectCommandAsync(ct, "query-status");
                await peer.SendLineAsync("""{"return": {"status": running}}""", ct);
                await peer.WaitForClientCloseAsync(ct);
            },
            socket => CallAsync(socket, new QmpClientOptions(), QmpTimeouts.MustComplete),
            s_qmp, s_deadline, HeapBound);

        yield return new FaultCase(
            "oversized",
            async (peer, ct) =>
            {
                await peer.NegotiateAsync(ct);
                await peer.ExpectCommandAsync(ct, "query-status");
                await peer.SendRawAsync("{\"return\": {\"status\": \"", ct);
                await PushUntilClosedAsync(peer, new string('a', 64 * 1024), 256L * 1024 * 1024, ct); // 256 MiB, no newline
            },
            socket => CallAsync(socket, new QmpClientOptions { MaxLineBytes = LineLimit }, QmpTimeouts.MustComplete),
            s_qmp, s_deadline + s_slack, HeapBound);

        yield return new FaultCase(
            "eof-mid-reply",
            async (peer, ct) =>
            {
                await peer.NegotiateAsync(ct);
                await peer.ExpectCommandAsync(ct, "query-status");
                await peer.SendRawAsync("""{"return": {"status": "runn""", ct);
                peer.Close();
            },
            socket => CallAsync(socket, new QmpClientOptions(), QmpTimeouts.MustComplete),
            s_qmp, s_deadline, HeapBound);

        // A peer that never answers: only the caller's deadline can end the call, and it must, on time.
        yield return new FaultCase(
            "stall-reply",
            async (peer, ct) =>
            {
                await peer.NegotiateAsync(ct);
                await peer.ExpectCommandAsync(ct, "query-status");
                await peer.WaitForClientCloseAsync(ct);
            },
            socket => CallAsync(socket, new QmpClientOptions(), s_deadline),
            s_cancelled, s_deadline + s_slack, HeapBound);

        yield return new FaultCase(
            "stall-greeting",
            (peer, ct) => peer.WaitForClientCloseAsync(ct),
            socket => QmpClient.ConnectAsync(socket, quickConnect),
            s_qmp, s_deadline + s_slack, HeapBound);

        // Events before the greeting, as fast as the socket takes them: the handshake must end
        // within ConnectTimeout without buffering them all.
        yield return new FaultCase(
            "pre-greeting-flood",
            (peer, ct) => PushUntilClosedAsync(peer, EventLines(), long.MaxValue, ct),
            socket => QmpClient.ConnectAsync(socket, new QmpClientOptions()),
            s_qmp, QmpClientOptions.DefaultConnectTimeout + s_slack, HeapBound);

        // One byte every 50 ms: each read succeeds, so only a deadline on the whole handshake ends it.
        yield return new FaultCase(
            "slowloris-greeting",
            (peer, ct) => TrickleAsync(peer, FakeQmpPeer.Greeting + "\r\n", ct),
            socket => QmpClient.ConnectAsync(socket, quickConnect),
            s_qmp, s_deadline + s_slack, HeapBound);

        yield return new FaultCase(
            "slowloris-reply",
            async (peer, ct) =>
            {
                await peer.NegotiateAsync(ct);
                await peer.ExpectCommandAsync(ct, "query-status");
                await TrickleAsync(peer, "{\"return\": {\"status\": \"" + new string('z', 10_000), ct);
            },
            socket => CallAsync(socket, new QmpClientOptions(), s_deadline),
            s_cancelled, s_deadline + s_slack, HeapBound);

        // The peer stops reading: 20,000 calls with 4 KiB of arguments each must not queue 80 MiB.
        yield return new FaultCase(
            "send-queue-flood",
            async (peer, ct) =>
            {
                await peer.NegotiateAsync(ct);
                await Task.Delay(Timeout.Infinite, ct);
            },
            FloodCallsAsync,
            [typeof(QmpException), typeof(OperationCanceledException)], s_deadline + s_slack + s_slack, HeapBound);
    }

    private static async Task<Figure> RunAsync(FaultCase fault)
    {
        await using FakeQmpServer server = FakeQmpServer.Start(fault.Peer);
        Exception? error = null;
        var sampler = new PeakHeapSampler();
        var clock = Stopwatch.StartNew();
        try
        {
            await fault.Client(server.SocketPath).WaitAsync(QmpTimeouts.MustComplete * 2);
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            sampler.Dispose();
        }

        TimeSpan elapsed = clock.Elapsed;
        long peak = sampler.PeakGrowth;
        long held = sampler.HeldGrowth;

        bool typed = error is not null && fault.Expected.Any(t => t.IsInstanceOfType(error)) && error is not TimeoutException;
        return new Figure($"fault-{fault.Name}")
            .Add("error", error?.GetType().Name ?? "none")
            .Add("elapsed", Figure.Ms(elapsed))
            .Add("bound", Figure.Ms(fault.TimeBound))
            .Add("peak_held", Figure.Kib(held))
            .Add("peak_heap", Figure.Kib(peak))
            .Add("heap_bound", Figure.Kib(fault.HeapBound))
            .Require(typed, error is null
                ? "the client did not fail"
                : $"expected {string.Join(" or ", fault.Expected.Select(t => t.Name))}, got {error.GetType().FullName}: {error.Message}")
            .Require(elapsed <= fault.TimeBound, $"took {Figure.Ms(elapsed)}, bound {Figure.Ms(fault.TimeBound)}")
            .Require(held <= fault.HeapBound, $"peak held heap {Figure.Kib(held)} above the baseline, bound {Figure.Kib(fault.HeapBound)}");
    }

    /// <summary>Connects, then calls query-status with a <paramref name="deadline"/> token.</summary>
    private static async Task CallAsync(string socket, QmpClientOptions options, TimeSpan deadline)
    {
        await using QmpClient client = await QmpClient.ConnectAsync(socket, options);
        using var cts = new CancellationTokenSource(deadline);
        await client.QueryStatusAsync(cts.Token);
    }

    /// <summary>20,000 concurrent calls, 4 KiB of arguments each, to a peer that reads nothing; rethrows the first failure.</summary>
    private static async Task FloodCallsAsync(string socket)
    {
        await using QmpClient client = await QmpClient.ConnectAsync(socket);
        using var cts = new CancellationTokenSource(s_deadline);
        var arguments = new { blob = new string('q', 4096) };

        // Like a caller that handles each error: a call refused at once is looked at and dropped,
        // so what stays live is what the client holds (the queue), not 20,000 faulted tasks.
        var inFlight = new List<Task>();
        Exception? first = null;
        for (int i = 0; i < 20_000; i++)
        {
            Task call = client.ExecuteAsync("soak-flood", arguments, cts.Token);
            if (call.IsCompleted)
            {
                first ??= Typed(call.Exception?.InnerException);
            }
            else
            {
                inFlight.Add(call);
            }
        }

        foreach (Task call in inFlight)
        {
            try
            {
                await call;
            }
            catch (Exception e)
            {
                first ??= Typed(e);
            }
        }

        if (first is not null)
        {
            throw first;
        }
    }

    /// <summary>An untyped failure is thrown at once; a typed one is returned to be reported.</summary>
    private static Exception? Typed(Exception? failure) =>
        failure is null or QmpException or OperationCanceledException ? failure : throw failure;

    /// <summary>Writes <paramref name="chunk"/> again and again until <paramref name="limit"/> bytes or the client closes.</summary>
    private static async Task PushUntilClosedAsync(FakeQmpPeer peer, string chunk, long limit, CancellationToken ct)
    {
        try
        {
            for (long written = 0; written < limit; written += chunk.Length)
            {
                await peer.SendRawAsync(chunk, ct);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The client gave up and closed; the rest was never read.
        }
    }

    /// <summary>Sends <paramref name="text"/> one byte every 50 ms until done or the client closes.</summary>
    private static async Task TrickleAsync(FakeQmpPeer peer, string text, CancellationToken ct)
    {
        try
        {
            foreach (char c in text)
            {
                await peer.SendRawAsync(c.ToString(), ct);
                await Task.Delay(50, ct);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
        }
    }

    /// <summary>About 1 MiB of well-formed event lines.</summary>
    private static string EventLines()
    {
        var text = new StringBuilder();
        for (long i = 0; text.Length < 1024 * 1024; i++)
        {
            text.Append($$$"""{"timestamp": {"seconds": {{{i}}}, "microseconds": 0}, "event": "RTC_CHANGE", "data": {"offset": {{{i}}}, "qom-path": "/machine/unattached/device[0]"}}""").Append("\r\n");
        }

        return text.ToString();
    }
}
