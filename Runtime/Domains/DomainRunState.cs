namespace Toolstack.Runtime;

/// <summary>What a domain is doing, as the toolstack records it (guarded by its <see cref="DomainLock"/>).</summary>
public enum DomainRunState
{
    /// <summary>Defined, no QEMU process.</summary>
    Shutoff,

    /// <summary>QEMU runs the guest.</summary>
    Running,

    /// <summary>QEMU is up, the guest's CPUs are stopped.</summary>
    Paused,

    /// <summary>QEMU went away without being asked to (its monitor connection ended).</summary>
    Crashed,
}
