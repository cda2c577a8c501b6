using System;

namespace Toolstack.Runtime.Cluster;

/// <summary>The cluster lease's view of a <see cref="LockHandle"/>: <c>handle.Grant().Lost</c>.</summary>
public static class DomainLeaseHandle
{
    /// <summary>The lease, fencing token and loss token of a <see cref="DomainLease"/> handle.</summary>
    /// <exception cref="ArgumentException"><paramref name="handle"/> was not issued by a <see cref="DomainLease"/>.</exception>
    public static LeaseGrant Grant(this LockHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return handle.Source is DomainLease lease
            ? lease.GetGrant(handle)
            : throw new ArgumentException($"Not a DomainLease handle: {handle}.", nameof(handle));
    }
}
