using System;
using System.Collections.Generic;
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
/// Every descriptor the hot-plug adds carries <see cref="FdsetOpaquePrefix"/> and the image path
/// as its opaque string, so that its fd sets can be told from anyone else's. An fd set of the
/// hot-plug's that the config does not name (an <c>add-fd</c> whose answer was lost to a
/// cancellation or a dead connection, a kill between finalising the config and dropping the old
/// set, a drop that failed) is removed at the end of the next insert, eject or
/// <see cref="SettleAsync"/>; one the config names, and anyone else's, never is.
/// </para>
/// <para>
/// "Removed" under QEMU 7.2: in the prelaunch or paused state <c>remove-fd</c> only marks the
/// descriptor, which stays open and listed by <c>query-fdsets</c>; QEMU closes it when it is next
/// removed while the VM runs. So every settle repeats <c>remove-fd</c> for each such descriptor,
/// and the first one after the VM runs closes them all.
/// </para>
/// <para>
/// Only a CD-ROM takes an insert or eject: a device the config records as another kind of disk is
/// refused with <see cref="NotACdromException"/> before any QMP call. A device with no record yet
/// is recorded as a CD-ROM by the insert (QEMU is the judge: <c>blockdev-change-medium</c> refuses
/// a device without removable media, and the record made for it is rolled back). A config that
/// does not parse is an <see cref="InvalidDataException"/>, also before any QMP call.
/// </para>
/// </remarks>
public static class CdromHotplug
{
    /// <summary>Marks the fd sets the hot-plug adds: every descriptor's opaque string is this prefix and the image path.</summary>
    public const string FdsetOpaquePrefix = "toolstack-cdrom:";

    private static readonly TimeSpan CleanupLimit = TimeSpan.FromSeconds(5);

    /// <summary>Inserts <paramref name="imagePath"/> into the CD-ROM drive <paramref name="device"/> of <paramref name="domain"/>.</summary>
    /// <remarks>Locking contract: takes the domain's <see cref="QmpLock"/> for the whole change and its <see cref="JsonLock"/> around each config update; call with no lock held.</remarks>
    /// <exception cref="InvalidOperationException">The domain has no lock directory files or no QMP connection.</exception>
    /// <exception cref="NotACdromException">The config records <paramref name="device"/> as a disk that is not a CD-ROM; nothing was asked of QEMU.</exception>
    /// <exception cref="InvalidDataException">The domain's JSON config is corrupt; nothing was asked of QEMU and the file is untouched.</exception>
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
        // Refusals first: nothing is asked of QEMU for a corrupt config or a disk that is no CD-ROM.
        RequireCdrom(domain, ReadDisk(jsonLock, device), device);
        using SafeFileHandle image = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        try
        {
            await SettlePendingAsync(qmp, jsonLock, device, ct).ConfigureAwait(false);
            await ChangeMediumAsync(domain, qmp, jsonLock, device, path, image, ct).ConfigureAwait(false);
        }
        finally
        {
            await SettleFdsetsQuietlyAsync(qmp, jsonLock).ConfigureAwait(false);
        }
    }

    /// <summary>Ejects the medium from the CD-ROM drive <paramref name="device"/> of <paramref name="domain"/>.</summary>
    /// <remarks>Locking contract: takes the domain's <see cref="QmpLock"/> for the whole change and its <see cref="JsonLock"/> around each config update; call with no lock held.</remarks>
    /// <exception cref="InvalidOperationException">The domain has no lock directory files or no QMP connection.</exception>
    /// <exception cref="NotACdromException">The config records <paramref name="device"/> as a disk that is not a CD-ROM; nothing was asked of QEMU.</exception>
    /// <exception cref="InvalidDataException">The domain's JSON config is corrupt; nothing was asked of QEMU and the file is untouched.</exception>
    /// <exception cref="QmpCommandException">QEMU refused (no such drive, tray locked without <paramref name="force"/>).</exception>
    [RequiresUnlocked]
    public static async Task EjectAsync(Domain domain, string device, bool force = true, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentException.ThrowIfNullOrEmpty(device);
        (QmpLock slowLock, JsonLock jsonLock) = LocksOf(domain);

        await using LockHandle slow = await slowLock.LockAsync(ct).ConfigureAwait(false);
        QmpClient qmp = MonitorOf(domain);
        RequireCdrom(domain, ReadDisk(jsonLock, device), device);
        try
        {
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

            // The eject is done: dropping the fd sets is cleanup, and what it leaves the settle below (or the next one) removes.
            foreach (MediumConfig? medium in new[] { ejected, pending })
            {
                if (medium?.FdSet is int fdset)
                {
                    await DropFdSetAsync(qmp, fdset).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await SettleFdsetsQuietlyAsync(qmp, jsonLock).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Settles what interrupted changes left in <paramref name="domain"/>: a pending medium of any
    /// drive becomes its medium if QEMU holds it and is forgotten otherwise, then every fd set of
    /// the hot-plug's that the config does not name is removed (see the type's remarks for what
    /// QEMU 7.2 does with it before the VM runs). Inserts and ejects do this too; call it after a
    /// toolstack restart to clean up without changing a medium.
    /// </summary>
    /// <remarks>Locking contract: takes the domain's <see cref="QmpLock"/> and, around each config update, its <see cref="JsonLock"/>; call with no lock held.</remarks>
    /// <exception cref="InvalidOperationException">The domain has no lock directory files or no QMP connection.</exception>
    /// <exception cref="InvalidDataException">The domain's JSON config is corrupt; nothing was asked of QEMU.</exception>
    /// <exception cref="QmpException">QEMU failed a query or the connection broke; what was settled stays settled.</exception>
    [RequiresUnlocked]
    public static async Task SettleAsync(Domain domain, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(domain);
        (QmpLock slowLock, JsonLock jsonLock) = LocksOf(domain);

        await using LockHandle slow = await slowLock.LockAsync(ct).ConfigureAwait(false);
        QmpClient qmp = MonitorOf(domain);
        foreach (DiskConfig disk in ReadConfig(jsonLock).Disks)
        {
            if (disk.Pending is not null)
            {
                await SettlePendingAsync(qmp, jsonLock, disk.Device, ct).ConfigureAwait(false);
            }
        }

        await SettleFdsetsAsync(qmp, jsonLock, ct).ConfigureAwait(false);
    }

    /// <summary>add-fd, record pending, change the medium, finalise, drop the old set: the insert proper, under the slow lock.</summary>
    private static async Task ChangeMediumAsync(Domain domain, QmpClient qmp, JsonLock jsonLock, string device, string path, SafeFileHandle image, CancellationToken ct)
    {
        // If add-fd's answer is lost (cancelled, disconnected), QEMU may hold a set nothing records:
        // its opaque marks it as ours, and the settle that ends this insert removes it.
        QmpAddFdResult added = await qmp.AddFdAsync(image, fdsetId: null, opaque: FdsetOpaquePrefix + path, ct).ConfigureAwait(false);
        var pending = new MediumConfig { Path = path, FdSet = added.FdsetId };

        // Before QEMU holds it, the config describes it.
        bool created = false;
        UpdateDisk(jsonLock, device, disk =>
        {
            // Re-checked under the JsonLock: the config may have changed since the first read.
            RequireCdrom(domain, disk, device);
            created = disk is null;
            return (disk ?? NewCdrom(device)) with { Pending = pending };
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

        // The insert succeeded here. Dropping the old set is cleanup: a failure (QEMU gone) is not
        // the insert's, and what it leaves the settle removes.
        if (previous?.FdSet is int old && old != added.FdsetId)
        {
            await DropFdSetAsync(qmp, old).ConfigureAwait(false);
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

    /// <summary>
    /// Removes every descriptor of the hot-plug's (by its opaque marker) in an fd set the config
    /// does not name. The slow lock is held, so no change is under way and the config read after
    /// query-fdsets names every set a change of ours still needs.
    /// </summary>
    private static async Task SettleFdsetsAsync(QmpClient qmp, JsonLock jsonLock, CancellationToken ct)
    {
        IReadOnlyList<QmpFdset> fdsets = await qmp.QueryFdsetsAsync(ct).ConfigureAwait(false);
        var named = new HashSet<int>();
        foreach (DiskConfig disk in ReadConfig(jsonLock).Disks)
        {
            foreach (MediumConfig? medium in new[] { disk.Medium, disk.Pending })
            {
                if (medium?.FdSet is int id)
                {
                    named.Add(id);
                }
            }
        }

        foreach (QmpFdset set in fdsets)
        {
            if (named.Contains(set.FdsetId))
            {
                continue;
            }

            foreach (QmpFdsetFd fd in set.Fds)
            {
                if (fd.Opaque?.StartsWith(FdsetOpaquePrefix, StringComparison.Ordinal) == true)
                {
                    // By descriptor, so that someone else's descriptor in the same set stays.
                    await qmp.RemoveFdAsync(set.FdsetId, fd.Fd, ct).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>The settle that ends every change: bounded, and never the change's failure (the next settle retries).</summary>
    private static async Task SettleFdsetsQuietlyAsync(QmpClient qmp, JsonLock jsonLock)
    {
        try
        {
            using var limit = new CancellationTokenSource(CleanupLimit);
            await SettleFdsetsAsync(qmp, jsonLock, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsCleanupFailure(e))
        {
            // Left for the next settle: an unnamed set of ours holds an image open, nothing more.
        }
    }

    private static void RequireCdrom(Domain domain, DiskConfig? disk, string device)
    {
        if (disk is { IsCdrom: false })
        {
            throw new NotACdromException(domain.Name, device);
        }
    }

    private static DiskConfig NewCdrom(string device) => new() { Device = device, IsCdrom = true };

    private static DomainConfig ReadConfig(JsonLock jsonLock)
    {
        using LockHandle json = jsonLock.Lock();
        return DomainConfigFile.Read(json);
    }

    private static DiskConfig? ReadDisk(JsonLock jsonLock, string device) => ReadConfig(jsonLock).FindDisk(device);

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

    /// <summary>
    /// Best effort, and never an error: an fd set QEMU still uses or already dropped, a QEMU that
    /// stopped answering or died. What stays is an unnamed set of ours, which the next settle removes.
    /// </summary>
    private static async Task DropFdSetAsync(QmpClient qmp, int fdset)
    {
        try
        {
            // Bounded: cleanup must not keep the slow lock forever if QEMU stops answering.
            using var limit = new CancellationTokenSource(CleanupLimit);
            await qmp.RemoveFdAsync(fdset, fd: null, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsCleanupFailure(e))
        {
            // Left for the next settle.
        }
    }

    /// <summary>What cleanup after the change's outcome may meet: QEMU's refusal, a dead or disposed connection, the bound, a corrupt config.</summary>
    private static bool IsCleanupFailure(Exception e) =>
        e is QmpException or OperationCanceledException or ObjectDisposedException or IOException;

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
