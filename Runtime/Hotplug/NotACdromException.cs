using System;

namespace Toolstack.Runtime;

/// <summary>
/// A CD-ROM insert or eject named a device whose JSON config record is not a CD-ROM (libxl's
/// <c>libxl_cdrom_insert</c> refuses the same way). Thrown before any QMP call, with the
/// domain's locks released and the config unchanged.
/// </summary>
public sealed class NotACdromException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="device"/> of the domain <paramref name="domain"/>.</summary>
    public NotACdromException(string domain, string device)
        : base($"Device '{device}' of domain '{domain}' is not a CD-ROM in its JSON config: only a CD-ROM drive takes an insert or eject.")
    {
        Domain = domain;
        Device = device;
    }

    /// <summary>The domain's name.</summary>
    public string Domain { get; }

    /// <summary>The device id (libxl's <c>vdev</c>).</summary>
    public string Device { get; }
}
