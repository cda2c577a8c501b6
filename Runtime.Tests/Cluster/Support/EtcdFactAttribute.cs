namespace Toolstack.Runtime.Tests.Cluster.Support;

/// <summary>A fact that needs real etcd (/usr/bin/etcd): skipped with a reason when it is missing, unless CI=true.</summary>
public sealed class EtcdFactAttribute : FactAttribute
{
    public EtcdFactAttribute()
    {
        if (EtcdServer.SkipReason is string reason)
        {
            Skip = reason;
        }
    }
}
