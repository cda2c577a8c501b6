using System;

namespace Toolstack.Runtime;

/// <summary>
/// A job could not begin within the bounded wait because another job holds the domain
/// (libvirt: "cannot acquire state change lock"). Nothing is held when this is thrown.
/// </summary>
public sealed class DomainJobTimeoutException : TimeoutException
{
    internal DomainJobTimeoutException(string domain, DomainJobKind wanted, TimeSpan waited, DomainJob? holder)
        : base($"Cannot acquire state change lock of domain '{domain}' for a {wanted} job within {waited.TotalSeconds:0.###} s" +
               (holder is null ? "." : $": held by a {holder.Kind} job since {holder.StartedAt:O}."))
    {
        Domain = domain;
        Wanted = wanted;
        Waited = waited;
        HolderKind = holder?.Kind;
    }

    /// <summary>The domain's name.</summary>
    public string Domain { get; }

    /// <summary>The kind of job that could not begin.</summary>
    public DomainJobKind Wanted { get; }

    /// <summary>How long it waited.</summary>
    public TimeSpan Waited { get; }

    /// <summary>The kind of the job that held the domain, when known.</summary>
    public DomainJobKind? HolderKind { get; }
}
