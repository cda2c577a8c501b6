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
/// A crash between recording the pending medium and finalising it leaves it pending, and QEMU
/// may or may not hold it. The next insert settles it first, under the same slow lock: if QEMU
/// holds it, it becomes the medium; otherwise it is forgotten. Only then is the new medium
/// recorded as pending, so the record of what QEMU may hold is never overwritten. An insert that
/// fails without knowing QEMU's answer (cancelled, disconnected) leaves its pending medium
/// recorded for the same reason; one QEMU refused is rolled back.
/// </para>
/// <para>
/// The fd set of a medium lives as long as the medium, so that its id is never reused while the
/// config names it, and <c>query-fdsets</c> maps <c>/dev/fdset/N</c> back to the image path.
/// </para>
/// </remarks>
public static class CdromHotplug
{
    private static readonly TimeSpan CleanupLimit = TimeSpan.FromSeconds(5);

    /// <summary>Inserts <paramref name="imagePath"/> into the CD-ROM drive <paramref name="device"/> of <paramref name="domain"/>.</summary>
    /// <exception cref="InvalidOperationException">The domain has no lock directory files or no QMP connection.</exception>
    /// <exception cref="FileNotFoundException">The image does not exist.</exception>
    /// <exception cref="QmpCommandException">QEMU refused (no such drive, bad image); the config is as it was.</exception>
    /// <exception cref="OperationCanceledException">
    /// <paramref name="ct"/> was cancelled. If QEMU was already asked to change the medium, the new
    /// medium stays recorded as pending (QEMU may hold it); the next insert into the drive settles it.
    /// </exception>
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
        await SettlePendingAsync(qmp, jsonLock, device, ct).ConfigureAwait(false);
        QmpAddFdResult added = await qmp.AddFdAsync(image, fdsetId: null, opaque: path, ct).ConfigureAwait(false);
        var pending = new MediumConfig { Path = path, FdSet = added.FdsetId };

        // Before QEMU holds it, the config describes it.
        bool created = false;
        UpdateDisk(jsonLock, device, disk =>
        {
            created = disk is null;
            return (disk ?? NewCdrom(device)) with { IsCdrom = true, Pending = pending };
        });
        try
        {
            await qmp.BlockdevChangeMediumAsync(device, pending.QemuFileName, format: "raw",
                QmpReadOnlyMode.ReadOnly, ct).ConfigureAwait(false);
        }
        catch (QmpCommandException)
        {
            // QEMU refused and kept what it had: forget the pending medium (and a disk recorded
            // only for it), drop its fd set, report the failure. Any other failure (cancelled,
            // disconnected) leaves QEMU's answer unknown, so the pending medium stays recorded.
            UpdateDisk(jsonLock, device, disk => disk is null || (created && disk.Medium is null) ? null : disk with { Pending = null });
            await DropFdSetAsync(qmp, added.FdsetId).ConfigureAwait(false);
            throw;
        }

        MediumConfig? previous = null;
        UpdateDisk(jsonLock, device, disk =>
        {
            previous = disk?.Medium;
            return (disk ?? NewCdrom(device)) with { Medium = pending, Pending = null };
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
            ejected = disk?.Medium;
            pending = disk?.Pending;
            return (disk ?? NewCdrom(device)) with { Medium = null, Pending = null };
        });

        foreach (MediumConfig? medium in new[] { ejected, pending })
        {
            if (medium?.FdSet is int fdset)
            {
                await DropFdSetAsync(qmp, fdset).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Settles a pending medium an interrupted insert left (the slow lock is held, so no insert is
    /// under way): if QEMU holds it, the insert got that far and is finished now; otherwise it is
    /// forgotten. Either way the fd set no longer named is dropped.
    /// </summary>
    private static async Task SettlePendingAsync(QmpClient qmp, JsonLock jsonLock, string device, CancellationToken ct)
    {
        if (ReadDisk(jsonLock, device)?.Pending is null)
        {
            return;
        }

        string? held = null;
        foreach (QmpBlockDevice drive in await qmp.QueryBlockAsync(ct).ConfigureAwait(false))
        {
            if (drive.Qdev == device)
            {
                held = drive.Inserted?.File;
            }
        }

        MediumConfig? unused = null;
        UpdateDisk(jsonLock, device, disk =>
        {
            if (disk?.Pending is not { } stale)
            {
                return disk;
            }

            if (stale.QemuFileName == held)
            {
                unused = disk.Medium;
                return disk with { Medium = stale, Pending = null };
            }

            unused = stale;
            return disk with { Pending = null };
        });

        if (unused?.FdSet is int fdset && unused.QemuFileName != held)
        {
            await DropFdSetAsync(qmp, fdset).ConfigureAwait(false);
        }
    }

    private static DiskConfig NewCdrom(string device) => new() { Device = device, IsCdrom = true };

    private static DiskConfig? ReadDisk(JsonLock jsonLock, string device)
    {
        using LockHandle json = jsonLock.Lock();
        return DomainConfigFile.Read(json).FindDisk(device);
    }

    /// <summary>Read, change and write the disk of <paramref name="device"/> under the JsonLock; null in is no disk yet, null out removes it.</summary>
    private static void UpdateDisk(JsonLock jsonLock, string device, Func<DiskConfig?, DiskConfig?> change)
    {
        using LockHandle json = jsonLock.Lock();
        DomainConfig config = DomainConfigFile.Read(json);
        DiskConfig? disk = config.FindDisk(device);
        DiskConfig? changed = change(disk);
        if (ReferenceEquals(changed, disk))
        {
            return;
        }

        DomainConfigFile.Write(json, changed is null ? config.WithoutDisk(device) : config.WithDisk(changed));
    }

    /// <summary>Best effort: an fd set QEMU still uses, or already dropped, is not an error here.</summary>
    private static async Task DropFdSetAsync(QmpClient qmp, int fdset)
    {
        try
        {
            // Bounded: cleanup must not keep the slow lock forever if QEMU stops answering.
            using var limit = new CancellationTokenSource(CleanupLimit);
            await qmp.RemoveFdAsync(fdset, fd: null, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is QmpCommandException or OperationCanceledException)
        {
            // Left in QEMU: an fd set no medium uses, harmless to the config's invariant.
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
