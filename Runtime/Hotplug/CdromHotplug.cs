using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;

namespace Toolstack.Runtime;

/// <summary>
/// libxl's CD-ROM insert and eject (libxl_cdrom_insert), under the domain's slow
/// <see cref="QmpLock"/>: the JSON config is updated under the <see cref="JsonLock"/> so that, at
/// every instant, a medium QEMU holds is described in it.
/// </summary>
/// <remarks>
/// <para>
/// Insert: open the image read-only and pass it to QEMU (<c>add-fd</c>, SCM_RIGHTS); record it
/// in the JSON config as the drive's pending medium; <c>blockdev-change-medium</c> with
/// <c>/dev/fdset/N</c>; then finalise the config (pending becomes the medium) and drop the old
/// medium's fd set. Eject: <c>eject</c> in QEMU first, then clear the config, then drop the fd set.
/// A crash at any point leaves QEMU holding nothing the config does not describe.
/// </para>
/// <para>
/// The fd set of a medium lives as long as the medium, so that its id is never reused while the
/// config names it, and <c>query-fdsets</c> maps <c>/dev/fdset/N</c> back to the image path.
/// </para>
/// </remarks>
public static class CdromHotplug
{
    /// <summary>Inserts <paramref name="imagePath"/> into the CD-ROM drive <paramref name="device"/> of <paramref name="domain"/>.</summary>
    /// <exception cref="InvalidOperationException">The domain has no lock directory files or no QMP connection.</exception>
    /// <exception cref="FileNotFoundException">The image does not exist.</exception>
    /// <exception cref="QmpCommandException">QEMU refused (no such drive, bad image).</exception>
    [RequiresUnlocked]
    public static async Task InsertAsync(Domain domain, string device, string imagePath, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentException.ThrowIfNullOrEmpty(device);
        ArgumentException.ThrowIfNullOrEmpty(imagePath);
        (QmpLock slowLock, JsonLock jsonLock) = LocksOf(domain);
        string path = Path.GetFullPath(imagePath);

        await using LockHandle slow = await slowLock.LockAsync(ct).ConfigureAwait(false);
        QmpClient qmp = MonitorOf(domain);
        using SafeFileHandle image = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        QmpAddFdResult added = await qmp.AddFdAsync(image, fdsetId: null, opaque: path, ct).ConfigureAwait(false);
        var pending = new MediumConfig { Path = path, FdSet = added.FdsetId };

        // Before QEMU holds it, the config describes it.
        UpdateDisk(jsonLock, device, disk => disk with { IsCdrom = true, Pending = pending });
        try
        {
            await qmp.BlockdevChangeMediumAsync(device, pending.QemuFileName, format: "raw",
                QmpReadOnlyMode.ReadOnly, ct).ConfigureAwait(false);
        }
        catch (Exception inserting) when (inserting is not QmpDisconnectedException)
        {
            // QEMU kept what it had: forget the pending medium, drop its fd set, report the failure.
            UpdateDisk(jsonLock, device, disk => disk with { Pending = null });
            await DropFdSetAsync(qmp, added.FdsetId).ConfigureAwait(false);
            throw;
        }

        MediumConfig? previous = null;
        UpdateDisk(jsonLock, device, disk =>
        {
            previous = disk.Medium;
            return disk with { Medium = pending, Pending = null };
        });

        if (previous?.FdSet is int old && old != added.FdsetId)
        {
            await DropFdSetAsync(qmp, old).ConfigureAwait(false);
        }
    }

    /// <summary>Ejects the medium from the CD-ROM drive <paramref name="device"/> of <paramref name="domain"/>.</summary>
    /// <exception cref="InvalidOperationException">The domain has no lock directory files or no QMP connection.</exception>
    /// <exception cref="QmpCommandException">QEMU refused (no such drive, tray locked without <paramref name="force"/>).</exception>
    [RequiresUnlocked]
    public static async Task EjectAsync(Domain domain, string device, bool force = true, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentException.ThrowIfNullOrEmpty(device);
        (QmpLock slowLock, JsonLock jsonLock) = LocksOf(domain);

        await using LockHandle slow = await slowLock.LockAsync(ct).ConfigureAwait(false);
        QmpClient qmp = MonitorOf(domain);

        // QEMU lets go first; until the config is cleared it merely describes more than QEMU holds.
        await qmp.EjectAsync(device, force, ct).ConfigureAwait(false);

        MediumConfig? ejected = null;
        MediumConfig? pending = null;
        UpdateDisk(jsonLock, device, disk =>
        {
            ejected = disk.Medium;
            pending = disk.Pending;
            return disk with { Medium = null, Pending = null };
        });

        foreach (MediumConfig? medium in new[] { ejected, pending })
        {
            if (medium?.FdSet is int fdset)
            {
                await DropFdSetAsync(qmp, fdset).ConfigureAwait(false);
            }
        }
    }

    private static void UpdateDisk(JsonLock jsonLock, string device, Func<DiskConfig, DiskConfig> change)
    {
        using LockHandle json = jsonLock.Lock();
        DomainConfig config = DomainConfigFile.Read(json);
        DiskConfig disk = config.FindDisk(device) ?? new DiskConfig { Device = device, IsCdrom = true };
        DomainConfigFile.Write(json, config.WithDisk(change(disk)));
    }

    /// <summary>Best effort: an fd set QEMU still uses, or already dropped, is not an error here.</summary>
    private static async Task DropFdSetAsync(QmpClient qmp, int fdset)
    {
        try
        {
            await qmp.RemoveFdAsync(fdset, fd: null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (QmpCommandException)
        {
        }
    }

    private static (QmpLock Slow, JsonLock Json) LocksOf(Domain domain) =>
        domain.QmpLock is { } slow && domain.JsonLock is { } json
            ? (slow, json)
            : throw new InvalidOperationException($"Domain '{domain.Name}' has no lock directory files: CD-ROM changes need its QmpLock and JsonLock.");

    private static QmpClient MonitorOf(Domain domain)
    {
        using (domain.StateLock.Lock())
        {
            return domain.Monitor
                ?? throw new InvalidOperationException($"Domain '{domain.Name}' has no QMP connection: it is {domain.State}.");
        }
    }
}
