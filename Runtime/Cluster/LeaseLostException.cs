using System;

namespace Toolstack.Runtime.Cluster;

/// <summary>
/// The etcd lease behind a <see cref="DomainLease"/> acquisition could not be confirmed alive for
/// its whole TTL (a partition, etcd down, or this process stalled), or etcd reported it expired:
/// another host may hold the domain now. Stop touching the domain's shared state.
/// </summary>
public sealed class LeaseLostException : LockException
{
    internal LeaseLostException(string domain, long fencingToken, string why)
        : base($"The cluster lease of domain '{domain}' (fencing token {fencingToken}) is lost: {why}; another host may hold the domain now.")
    {
        Domain = domain;
        FencingToken = fencingToken;
    }

    /// <summary>The domain whose lease was lost.</summary>
    public string Domain { get; }

    /// <summary>The fencing token of the lost acquisition.</summary>
    public long FencingToken { get; }
}
