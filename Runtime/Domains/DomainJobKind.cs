namespace Toolstack.Runtime;

/// <summary>What a job on a domain is for (libvirt's job types, reduced to what a toolstack needs).</summary>
public enum DomainJobKind
{
    /// <summary>Reads state through the monitor (query-status, query-block).</summary>
    Query,

    /// <summary>Changes the domain: pause, resume, hot-plug, media changes.</summary>
    Modify,

    /// <summary>Stops the domain for good.</summary>
    Destroy,
}
