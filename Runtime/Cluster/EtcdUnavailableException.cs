using System;
using System.IO;

namespace Toolstack.Runtime.Cluster;

/// <summary>
/// No etcd endpoint answered within <see cref="EtcdLeaseOptions.ConnectTimeout"/>: etcd is down,
/// unreachable, or has no quorum. Nothing is held.
/// </summary>
public sealed class EtcdUnavailableException : IOException
{
    internal EtcdUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}
