using System.Threading;

namespace Toolstack.Runtime.Cluster;

/// <summary>
/// What one <see cref="DomainLease"/> acquisition holds in etcd: the lease, the lock key, the
/// fencing token, and the token that fires when the lease is lost. Read it from the handle with
/// <see cref="DomainLease.GetGrant"/> or <see cref="DomainLeaseHandle.Grant"/>.
/// </summary>
public sealed class LeaseGrant
{
    private readonly LeaseKeeper _keeper;

    internal LeaseGrant(string domain, string key, long fencingToken, LeaseKeeper keeper)
    {
        Domain = domain;
        Key = key;
        FencingToken = fencingToken;
        _keeper = keeper;
    }

    /// <summary>The domain.</summary>
    public string Domain { get; }

    /// <summary>The etcd lock key, bound to the lease: it disappears when the lease does.</summary>
    public string Key { get; }

    /// <summary>The etcd lease id.</summary>
    public long LeaseId => _keeper.LeaseId;

    /// <summary>The lease TTL etcd granted.</summary>
    public System.TimeSpan Ttl => _keeper.Ttl;

    /// <summary>
    /// The lock key's create revision: larger for every later acquisition of the domain, by any
    /// host. Pass it with writes to shared state that checks it, so a stale holder's write is refused.
    /// </summary>
    public long FencingToken { get; }

    /// <summary>
    /// Fires as soon as this host can no longer be sure the lease is alive; another host may hold
    /// the domain from then on. Link the holder's work to it. It does not fire on a normal release.
    /// </summary>
    public CancellationToken Lost => _keeper.Lost;

    /// <summary>True once <see cref="Lost"/> has fired.</summary>
    public bool IsLost => _keeper.IsLost;

    /// <summary>Throws when the lease is lost; call it before each step that touches the domain.</summary>
    /// <exception cref="LeaseLostException">The lease is lost.</exception>
    public void ThrowIfLost()
    {
        if (_keeper.IsLost)
        {
            throw new LeaseLostException(Domain, FencingToken, _keeper.Why ?? "lost");
        }
    }

    internal LeaseKeeper Keeper => _keeper;
}
