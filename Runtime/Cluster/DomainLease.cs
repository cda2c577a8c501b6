using System;
using System.Diagnostics;
using System.Linq;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace Toolstack.Runtime.Cluster;

/// <summary>
/// A cluster-wide lease of one domain on etcd v3: while it is held, no other host (or process)
/// holds the same domain's lease. The outermost lock of the hierarchy.
/// </summary>
/// <remarks>
/// <para>
/// Level <see cref="LockLevels.Cluster"/>, slow: it may not be acquired while any other lock is
/// held (TSL1001), and may be held across <c>await</c> and QMP calls. The analyzer knows it by
/// its attributes alone, like every lock.
/// </para>
/// <para>
/// etcd's lock recipe: each acquisition grants a lease (TTL from <see cref="EtcdLeaseOptions.Ttl"/>)
/// kept alive in the background, puts the key <c>prefix/domain/leaseid</c> bound to it, and waits
/// until every key of the domain with a smaller create revision is deleted (first come, first
/// served; one watch on the next key ahead, no thundering herd). The key's create revision is the
/// <see cref="LeaseGrant.FencingToken"/>.
/// </para>
/// <para>
/// Losing the lease: when the keep-alive cannot confirm the lease for a whole TTL, or etcd says
/// it expired, <see cref="LeaseGrant.Lost"/> fires and <see cref="LeaseGrant.ThrowIfLost"/> throws
/// <see cref="LeaseLostException"/>. The handle stays held for the hierarchy until it is released.
/// </para>
/// </remarks>
[LockLevel(LockLevels.Cluster, IsSlow = true)]
public sealed class DomainLease : HierarchicalLock
{
    private readonly EtcdConnection _etcd;
    private readonly ConditionalWeakTable<LockHandle, LeaseGrant> _grants = new();
    private readonly ByteString _prefix;
    private readonly ByteString _prefixEnd;

    /// <summary>The lease of <paramref name="domain"/> (its UUID or name) on the cluster behind <paramref name="etcd"/>; contacts nothing.</summary>
    /// <exception cref="ArgumentException"><paramref name="domain"/> is empty, too long, or holds '/' or control characters.</exception>
    public DomainLease(EtcdConnection etcd, string domain) : base(CheckDomain(domain))
    {
        ArgumentNullException.ThrowIfNull(etcd);
        _etcd = etcd;
        Domain = domain;
        KeyPrefix = etcd.Options.KeyPrefix + domain + "/";
        _prefix = ByteString.CopyFromUtf8(KeyPrefix);
        // The range [prefix, prefix with '/' + 1) is every key under the prefix.
        byte[] end = _prefix.ToByteArray();
        end[^1]++;
        _prefixEnd = ByteString.CopyFrom(end);
    }

    /// <summary>The domain.</summary>
    public string Domain { get; }

    /// <summary>The etcd prefix of this domain's lock keys (<c>etcdctl get --prefix</c> lists holder and waiters).</summary>
    public string KeyPrefix { get; }

    /// <summary>
    /// Acquires the lease: completes when every earlier contender (by revision) has released or
    /// lost theirs. Never blocks a thread.
    /// </summary>
    /// <param name="ct">Cancels the wait; the key and the lease are deleted before the cancellation is reported.</param>
    /// <returns>The handle; <see cref="DomainLeaseHandle.Grant"/> gives its fencing token and loss token.</returns>
    /// <exception cref="EtcdUnavailableException">etcd did not answer within the connect timeout; nothing is held.</exception>
    /// <exception cref="LeaseLostException">The new lease was lost while waiting in line; nothing is held.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled; nothing is held.</exception>
    /// <exception cref="LockOrderException">Validation is on and another lock is held.</exception>
    [AcquiresLock(typeof(DomainLease))]
    public ValueTask<LockHandle> LockAsync(CancellationToken ct = default)
    {
        if (ct.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<LockHandle>(ct);
        }

        // In the caller's flow, so the validator sees the order before any wait.
        LockHandle handle = BeginAcquire();
        return new ValueTask<LockHandle>(AcquireAsync(handle, ct));
    }

    /// <summary>
    /// Acquires the lease only if nobody holds or waits for it now (etcd's TryLock: put the key,
    /// give it back if an older key exists). Never waits for a holder; each of its few requests
    /// is bounded by the connect timeout.
    /// </summary>
    /// <returns>True with the lease held; false with no key and no lease left behind.</returns>
    /// <exception cref="EtcdUnavailableException">etcd did not answer within the connect timeout; nothing is held.</exception>
    /// <exception cref="LockOrderException">Validation is on and another lock is held; nothing is held.</exception>
    [TryAcquiresLock(typeof(DomainLease))]
    public bool TryLock([MaybeNullWhen(false)] out LockHandle handle)
    {
        handle = null;
        LockHandle pending = BeginAcquire();
        LeaseKeeper? keeper = null;
        string? key = null;
        try
        {
            long sentAt = Stopwatch.GetTimestamp();
            LeaseGrantResponse lease = _etcd.Call(d => _etcd.Leases.LeaseGrant(GrantRequest(), deadline: d), "lease grant");
            keeper = new LeaseKeeper(_etcd, lease.ID, sentAt, lease.TTL);
            keeper.Start();
            key = KeyOf(lease.ID);
            TxnResponse put = _etcd.Call(d => _etcd.Kv.Txn(PutIfAbsent(key, lease.ID), deadline: d), "put");
            long revision = RevisionOf(put);
            RangeResponse ahead = _etcd.Call(d => _etcd.Kv.Range(Ahead(revision), deadline: d), "range");
            if (ahead.Kvs.Count > 0)
            {
                Forget(keeper, key);
                AbandonAcquire(pending);
                return false;
            }

            _grants.AddOrUpdate(pending, new LeaseGrant(Domain, key, revision, keeper));
            handle = CompleteAcquire(pending);
            return true;
        }
        catch
        {
            if (keeper is not null)
            {
                Forget(keeper, key);
            }

            AbandonAcquire(pending);
            throw;
        }
    }

    /// <summary>
    /// Releases a handle this lease issued: stops the keep-alive, deletes the key and revokes the
    /// lease. If etcd does not answer within the connect timeout, the release still completes
    /// here and the key goes when the lease's TTL runs out.
    /// </summary>
    /// <exception cref="WrongLockException">Another lock issued <paramref name="handle"/>.</exception>
    /// <exception cref="LockNotHeldException"><paramref name="handle"/> was already released.</exception>
    [ReleasesLock(typeof(DomainLease))]
    public void Unlock(LockHandle handle) => Release(handle);

    /// <summary>The grant of a handle this lease issued (also after release, when it says nothing current).</summary>
    /// <exception cref="ArgumentException">Another lock issued <paramref name="handle"/>.</exception>
    public LeaseGrant GetGrant(LockHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (!ReferenceEquals(handle.Source, this))
        {
            throw new ArgumentException($"{handle} was not issued by {this}.", nameof(handle));
        }

        return _grants.TryGetValue(handle, out LeaseGrant? grant)
            ? grant
            : throw new ArgumentException($"{handle} was never acquired.", nameof(handle));
    }

    /// <inheritdoc />
    protected override void ReleaseCore(LockHandle handle)
    {
        if (_grants.TryGetValue(handle, out LeaseGrant? grant))
        {
            Forget(grant.Keeper, grant.Key);
        }
    }

    private async Task<LockHandle> AcquireAsync(LockHandle handle, CancellationToken ct)
    {
        LeaseKeeper? keeper = null;
        string? key = null;
        try
        {
            long sentAt = Stopwatch.GetTimestamp();
            LeaseGrantResponse lease = await _etcd.CallAsync(
                (d, t) => _etcd.Leases.LeaseGrantAsync(GrantRequest(), deadline: d, cancellationToken: t).ResponseAsync, "lease grant", ct).ConfigureAwait(false);
            keeper = new LeaseKeeper(_etcd, lease.ID, sentAt, lease.TTL);
            keeper.Start();
            key = KeyOf(lease.ID);
            string putKey = key;
            TxnResponse put = await _etcd.CallAsync(
                (d, t) => _etcd.Kv.TxnAsync(PutIfAbsent(putKey, lease.ID), deadline: d, cancellationToken: t).ResponseAsync, "put", ct).ConfigureAwait(false);
            long revision = RevisionOf(put);

            using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(ct, keeper.Lost))
            {
                try
                {
                    await WaitForEarlierAsync(revision, waiting.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested && keeper.IsLost)
                {
                    throw new LeaseLostException(Domain, revision, keeper.Why ?? "lost while waiting");
                }
            }

            // A cancellation that raced with the hand-over wins: a caller who gave up is not handed the lease.
            ct.ThrowIfCancellationRequested();
            var grant = new LeaseGrant(Domain, key, revision, keeper);
            grant.ThrowIfLost();
            _grants.AddOrUpdate(handle, grant);
            return CompleteAcquire(handle);
        }
        catch
        {
            if (keeper is not null)
            {
                await ForgetAsync(keeper, key).ConfigureAwait(false);
            }

            AbandonAcquire(handle);
            throw;
        }
    }

    /// <summary>Waits until no key of the domain older than <paramref name="revision"/> is left.</summary>
    private async Task WaitForEarlierAsync(long revision, CancellationToken ct)
    {
        while (true)
        {
            RangeResponse ahead = await _etcd.CallAsync(
                (d, t) => _etcd.Kv.RangeAsync(Ahead(revision), deadline: d, cancellationToken: t).ResponseAsync, "range", ct).ConfigureAwait(false);
            if (ahead.Kvs.Count == 0)
            {
                return;
            }

            await WaitForDeleteAsync(ahead.Kvs[0].Key, ahead.Header.Revision, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Returns when <paramref name="key"/> is deleted after <paramref name="seenAt"/>, or when the watch breaks (the caller looks again).</summary>
    private async Task WaitForDeleteAsync(ByteString key, long seenAt, CancellationToken ct)
    {
        try
        {
            using AsyncDuplexStreamingCall<WatchRequest, WatchResponse> watch = _etcd.Watches.Watch(cancellationToken: ct);
            var create = new WatchCreateRequest { Key = key, StartRevision = seenAt + 1 };
            create.Filters.Add(WatchCreateRequest.Types.FilterType.Noput);
            await watch.RequestStream.WriteAsync(new WatchRequest { CreateRequest = create }, ct).ConfigureAwait(false);
            while (await watch.ResponseStream.MoveNext(ct).ConfigureAwait(false))
            {
                WatchResponse response = watch.ResponseStream.Current;
                if (response.Canceled || response.Events.Count > 0)
                {
                    return; // deleted (or compacted past: look again)
                }
            }
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            // The member we watched on went away: look again, on whichever answers.
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw new OperationCanceledException("Waiting for the cluster lease was cancelled.", e, ct);
        }
    }

    private LeaseGrantRequest GrantRequest() => new() { TTL = (long)_etcd.Options.Ttl.TotalSeconds };

    private string KeyOf(long leaseId) => KeyPrefix + leaseId.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    private static TxnRequest PutIfAbsent(string key, long leaseId)
    {
        ByteString k = ByteString.CopyFromUtf8(key);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = k, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = k, Value = ByteString.CopyFromUtf8(Holder()), Lease = leaseId } });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = k } });
        return txn;
    }

    /// <summary>The key's create revision: the put's revision, or (a retried put) the existing key's.</summary>
    private static long RevisionOf(TxnResponse put) =>
        put.Succeeded ? put.Header.Revision : put.Responses[0].ResponseRange.Kvs[0].CreateRevision;

    /// <summary>The newest key of the domain created before <paramref name="revision"/>: the one to wait for.</summary>
    private RangeRequest Ahead(long revision) => new()
    {
        Key = _prefix,
        RangeEnd = _prefixEnd,
        MaxCreateRevision = revision - 1,
        SortTarget = RangeRequest.Types.SortTarget.Create,
        SortOrder = RangeRequest.Types.SortOrder.Descend,
        Limit = 1,
    };

    /// <summary>Stops the keep-alive, deletes the key and revokes the lease; best effort, bounded, never throws.</summary>
    private void Forget(LeaseKeeper keeper, string? key)
    {
        keeper.Stop();
        try
        {
            if (key is not null)
            {
                _etcd.Kv.DeleteRange(new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(key) }, deadline: _etcd.Deadline());
            }

            _etcd.Leases.LeaseRevoke(new LeaseRevokeRequest { ID = keeper.LeaseId }, deadline: _etcd.Deadline());
        }
        catch (Exception e) when (e is RpcException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // etcd unreachable: the key goes with the lease when its TTL runs out.
        }
    }

    private async Task ForgetAsync(LeaseKeeper keeper, string? key)
    {
        keeper.Stop();
        try
        {
            if (key is not null)
            {
                await _etcd.Kv.DeleteRangeAsync(new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(key) }, deadline: _etcd.Deadline()).ResponseAsync.ConfigureAwait(false);
            }

            await _etcd.Leases.LeaseRevokeAsync(new LeaseRevokeRequest { ID = keeper.LeaseId }, deadline: _etcd.Deadline()).ResponseAsync.ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // etcd unreachable: the key goes with the lease when its TTL runs out.
        }
    }

    private static string Holder() => $"{Environment.MachineName} pid {Environment.ProcessId}";

    private static string CheckDomain(string domain)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(domain);
        if (domain.Length > 128 || domain.Contains('/') || domain.Any(char.IsControl))
        {
            throw new ArgumentException($"A domain name for the cluster lease is 1-128 characters without '/' or control characters, not '{domain}'.", nameof(domain));
        }

        return domain;
    }
}
