namespace Toolstack.Runtime;

/// <summary>
/// The levels of the standard locks, outermost first. User lock types placed with
/// <see cref="LockLevelAttribute"/> may use any value between them.
/// </summary>
public static class LockLevels
{
    /// <summary>
    /// A cluster-wide lease of one domain (Toolstack.Runtime.Cluster's <c>DomainLease</c>, on etcd):
    /// taken before anything else, even <see cref="QmpLock"/>, because it may wait on another host.
    /// </summary>
    public const int Cluster = 50;

    /// <summary><see cref="QmpLock"/>: libxl's slow per-domain lock; taken before anything but the cluster lease.</summary>
    public const int Qmp = 100;

    /// <summary><see cref="DriverLock"/>: the process-wide driver lock.</summary>
    public const int Driver = 200;

    /// <summary><see cref="DomainLock"/>: one domain object.</summary>
    public const int Domain = 300;

    /// <summary><see cref="JsonLock"/>: libxl's fast per-domain JSON config lock; innermost.</summary>
    public const int Json = 400;
}
