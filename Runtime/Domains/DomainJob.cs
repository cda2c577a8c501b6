using System;
using System.Threading.Tasks;

namespace Toolstack.Runtime;

/// <summary>
/// A job on a domain (libvirt's qemuDomainObjBeginJob): while it lasts, no other job changes the
/// domain, so its state may be read, the monitor entered, and the state updated, without the
/// domain lock held throughout. Disposing it ends the job.
/// </summary>
/// <remarks>
/// A job is not a lock in the hierarchy: it is held across <c>await</c> and QMP calls. Begin it
/// with no short lock held (<see cref="Domain.BeginJobAsync"/> waits).
/// </remarks>
public sealed class DomainJob : IDisposable, IAsyncDisposable
{
    private int _ended;

    internal DomainJob(Domain domain, DomainJobKind kind)
    {
        Domain = domain;
        Kind = kind;
        StartedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>The domain the job holds.</summary>
    public Domain Domain { get; }

    /// <summary>What the job is for.</summary>
    public DomainJobKind Kind { get; }

    /// <summary>When the job began.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>True until the job ends.</summary>
    public bool IsActive => System.Threading.Volatile.Read(ref _ended) == 0;

    /// <summary>The domain lock's handle while this job's monitor is entered.</summary>
    internal LockHandle? SuspendedHandle { get; set; }

    /// <summary>Ends the job and lets the next one begin. Idempotent.</summary>
    public void Dispose()
    {
        if (System.Threading.Interlocked.Exchange(ref _ended, 1) == 0)
        {
            Domain.EndJob(this);
        }
    }

    /// <summary>Ends the job; completes at once.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Kind} job on domain '{Domain.Name}'";
}
