using System;
using System.Collections.Immutable;
using System.Linq;
using System.Text.Json.Serialization;

namespace Toolstack.Runtime;

/// <summary>
/// A domain's JSON config (libxl's <c>libxl-json</c> userdata, reduced to what the toolstack's
/// hot-plug needs): the primary record of which devices and media the domain has.
/// </summary>
/// <remarks>
/// libxl's invariant: nothing may exist in QEMU without a corresponding entry here. The
/// hot-plug workflow records a thing here before asking QEMU for it and removes it only after
/// QEMU let go of it.
/// </remarks>
public sealed record DomainConfig
{
    /// <summary>An empty config: no disks.</summary>
    public static DomainConfig Empty { get; } = new();

    /// <summary>The domain's disks.</summary>
    [JsonPropertyName("disks")]
    public ImmutableArray<DiskConfig> Disks { get; init; } = ImmutableArray<DiskConfig>.Empty;

    /// <summary>The disk with device id <paramref name="device"/>, or null.</summary>
    public DiskConfig? FindDisk(string device) => Disks.FirstOrDefault(d => d.Device == device);

    /// <summary>This config with <paramref name="disk"/> added, or replacing the disk of the same device.</summary>
    public DomainConfig WithDisk(DiskConfig disk)
    {
        ArgumentNullException.ThrowIfNull(disk);
        for (int i = 0; i < Disks.Length; i++)
        {
            if (Disks[i].Device == disk.Device)
            {
                return this with { Disks = Disks.SetItem(i, disk) };
            }
        }

        return this with { Disks = Disks.Add(disk) };
    }

    /// <summary>This config without the disk of device <paramref name="device"/> (the same config when it has none).</summary>
    public DomainConfig WithoutDisk(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        for (int i = 0; i < Disks.Length; i++)
        {
            if (Disks[i].Device == device)
            {
                return this with { Disks = Disks.RemoveAt(i) };
            }
        }

        return this;
    }

    /// <summary>Whether QEMU's medium file name <paramref name="qemuFileName"/> is described by some disk.</summary>
    public bool Describes(string device, string qemuFileName)
    {
        DiskConfig? disk = FindDisk(device);
        return disk is not null
            && (disk.Medium?.QemuFileName == qemuFileName || disk.Pending?.QemuFileName == qemuFileName);
    }
}
