using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Etcdserverpb;
using Grpc.Core;

namespace Toolstack.Runtime.Cluster;

/// <summary>
/// Keeps one etcd lease alive in the background and decides, on this host's monotonic clock,
/// when it can no longer be sure it is: then <see cref="Lost"/> fires.
/// </summary>
/// <remarks>
/// The lease is known alive until (send time of the last answered keep-alive) + (the TTL in that
/// answer): etcd restarts the TTL when the request arrives, which is after it was sent, so this
/// never outlives the server's view. Stopwatch is monotonic and keeps counting while the process
/// is stopped (SIGSTOP), so a stalled holder sees the loss as soon as it runs again.
/// </remarks>
internal sealed class LeaseKeeper
{
    private static readonly TimeSpan s_longestCheck = TimeSpan.FromMilliseconds(200);

    private readonly EtcdConnection _etcd;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _interval;
    private readonly object _gate = new();
    private long _knownAliveUntil;
    private bool _stopped;

    public LeaseKeeper(EtcdConnection etcd, long leaseId, long grantSentAt, long grantedTtlSeconds)
    {
        _etcd = etcd;
        LeaseId = leaseId;
        Ttl = TimeSpan.FromSeconds(grantedTtlSeconds);
        _interval = Ttl / 3; // what etcd's own client does
        _knownAliveUntil = grantSentAt + grantedTtlSeconds * Stopwatch.Frequency;
    }

    public long LeaseId { get; }

    public TimeSpan Ttl { get; }

    public CancellationToken Lost => _lost.Token;

    public bool IsLost => _lost.IsCancellationRequested;

    public string? Why { get; private set; }

    public void Start()
    {
        _ = Task.Run(KeepAliveAsync);
        _ = Task.Run(WatchdogAsync);
    }

    /// <summary>Stops renewing (release, or a failed acquisition); <see cref="Lost"/> no longer fires.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopped = true;
        }

        _stop.Cancel();
    }

    private void Lose(string why)
    {
        lock (_gate)
        {
            if (_stopped || Why is not null)
            {
                return;
            }

            Why = why;
        }

        _stop.Cancel();
        _lost.Cancel();
        // Nobody should wait a whole TTL more for a lease we no longer trust: give it up (best effort).
        _ = RevokeQuietlyAsync(_etcd, LeaseId);
    }

    internal static async Task RevokeQuietlyAsync(EtcdConnection etcd, long leaseId)
    {
        try
        {
            await etcd.Leases.LeaseRevokeAsync(new LeaseRevokeRequest { ID = leaseId }, deadline: etcd.Deadline()).ResponseAsync.ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // It expires after its TTL anyway.
        }
    }

    private void Extend(long until)
    {
        long seen = Volatile.Read(ref _knownAliveUntil);
        while (until > seen)
        {
            long was = Interlocked.CompareExchange(ref _knownAliveUntil, until, seen);
            if (was == seen)
            {
                return;
            }

            seen = was;
        }
    }

    private async Task WatchdogAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            long left = Volatile.Read(ref _knownAliveUntil) - Stopwatch.GetTimestamp();
            if (left <= 0)
            {
                Lose($"not confirmed alive for its TTL of {Ttl.TotalSeconds:0} s (etcd unreachable, or this process stalled)");
                return;
            }

            TimeSpan wait = TimeSpan.FromSeconds((double)left / Stopwatch.Frequency);
            try
            {
                await Task.Delay(wait < s_longestCheck ? wait : s_longestCheck, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task KeepAliveAsync()
    {
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call =
                    _etcd.Leases.LeaseKeepAlive(cancellationToken: stop);
                var sent = new ConcurrentQueue<long>();
                Task reader = ReadAsync(call.ResponseStream, sent, stop);
                while (!stop.IsCancellationRequested && !reader.IsCompleted)
                {
                    sent.Enqueue(Stopwatch.GetTimestamp());
                    await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = LeaseId }, stop).ConfigureAwait(false);
                    await Task.WhenAny(reader, Task.Delay(_interval, stop)).ConfigureAwait(false);
                }

                await reader.ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException or InvalidOperationException or ObjectDisposedException or System.IO.IOException)
            {
                // The stream broke (a member died, a partition): open another, on whichever member
                // answers. The watchdog decides when it has been too long.
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ReadAsync(IAsyncStreamReader<LeaseKeepAliveResponse> responses, ConcurrentQueue<long> sent, CancellationToken stop)
    {
        while (await responses.MoveNext(stop).ConfigureAwait(false))
        {
            if (!sent.TryDequeue(out long sentAt))
            {
                continue;
            }

            LeaseKeepAliveResponse response = responses.Current;
            if (response.TTL <= 0)
            {
                Lose("etcd reports it expired");
                return;
            }

            Extend(sentAt + response.TTL * Stopwatch.Frequency);
        }
    }
}
