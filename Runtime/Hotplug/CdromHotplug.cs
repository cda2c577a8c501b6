using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
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
/// Insert: record the new medium in the JSON config as the drive's pending medium, with a fresh
/// token and a free fd set id, before QEMU has anything of it; open the image read-only and pass
/// it to QEMU (<c>add-fd</c>, SCM_RIGHTS) into that fd set, the token in the descriptor's opaque
/// string; <c>blockdev-change-medium</c> with <c>/dev/fdset/N</c>; drop the old medium's fd set;
/// then finalise the config (pending becomes the medium). Eject: <c>eject</c> in QEMU first, then
/// drop the fd sets, then clear the config. At every instant, so after a kill at any point, each
/// medium and each fd set of ours that QEMU holds is described by the config (libxl: add a thing
/// only once the JSON describes it; forget it only after QEMU let go).
/// </para>
/// <para>
/// A crash between recording the pending medium and finalising it leaves it pending, and QEMU
/// may or may not hold it or its fd set. The next insert settles it first, under the same slow
/// lock, by its token: if QEMU's medium is the set carrying the token, it becomes the medium;
/// otherwise QEMU lets go of the token's descriptors and the record is forgotten. Only then is
/// the new medium recorded as pending, so the record of what QEMU may hold is never overwritten.
/// An insert that fails without knowing QEMU's answer (cancelled, disconnected) leaves its
/// pending medium recorded for the same reason; one QEMU refused is rolled back.
/// </para>
/// <para>
/// The fd set of a medium lives as long as the medium, so that its id is never reused while the
/// config names it, and <c>query-fdsets</c> maps <c>/dev/fdset/N</c> back to the image path.
/// Every descriptor the hot-plug adds carries <see cref="FdsetOpaquePrefix"/>, the insert's token
/// and the image path as its opaque string, so that its fd sets can be told from anyone else's and
/// matched to their record. A descriptor of ours the config does not describe (by token; an older
/// version's <c>toolstack-cdrom:&lt;path&gt;</c> by its set's id) is removed at the end of the
/// next insert, eject or <see cref="SettleAsync"/>: one a drop failed to remove (QEMU gone,
/// refusing or silent), or an older version's orphan; one the config describes, and anyone
/// else's, never is.
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
    /// <summary>Marks the fd sets the hot-plug adds: every descriptor's opaque string is this prefix, the insert's token, <c>:</c> and the image path (older versions: the prefix and the path).</summary>
    public const string FdsetOpaquePrefix = "toolstack-cdrom:";


    private static readonly TimeSpan CleanupLimit = TimeSpan.FromSeconds(5);

    /// <summary>Inserts <paramref name="imagePath"/> into the CD-ROM drive <paramref name="device"/> of <paramref name="domain"/>.</summary>
    /// <remarks>Locking contract: takes the domain's <see cref="QmpLock"/> for the whole change and its <see cref="JsonLock"/> around each config update; call with no lock held.</remarks>
    /// <exception cref="InvalidOperationException">The domain has no lock directory files or no QMP connection; or someone else took the fd set id chosen for the image meanwhile (rolled back, nothing changed: try again).</exception>
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

            // Then QEMU lets go of the fd sets, while the config still describes them (a kill here
            // leaves them described); a failed drop is cleanup's, which the settle below retries.
            DiskConfig? before = ReadDisk(jsonLock, device);
            foreach (MediumConfig? medium in new[] { before?.Medium, before?.Pending })
            {
                if (medium is not null)
                {
                    await DropAsync(qmp, medium).ConfigureAwait(false);
                }
            }

            ForgetInConfig(jsonLock, device, disk => (disk ?? NewCdrom(device)) with { Medium = null, Pending = null });
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

    /// <summary>
    /// Record pending (with a fresh token and a free fd set id), add-fd into that id, change the
    /// medium, drop the old medium's set, finalise: the insert proper, under the slow lock. At every
    /// instant each fd set and medium of ours in QEMU is described by the config.
    /// </summary>
    private static async Task ChangeMediumAsync(Domain domain, QmpClient qmp, JsonLock jsonLock, string device, string path, SafeFileHandle image, CancellationToken ct)
    {
        // The JSON is made to describe the set before it exists: its id (chosen free now) and the
        // token its descriptor will carry. A kill from here on leaves a set the config describes.
        string token = RandomToken.New();
        int fdsetId = CdromFdsets.FreeId(await qmp.QueryFdsetsAsync(ct).ConfigureAwait(false), ReadConfig(jsonLock));
        var pending = new MediumConfig { Path = path, FdSet = fdsetId, Token = token };
        bool created = false;
        RecordInConfig(jsonLock, device, disk =>
        {
            // Re-checked under the JsonLock: the config may have changed since the first read.
            RequireCdrom(domain, disk, device);
            created = disk is null;
            return (disk ?? NewCdrom(device)) with { Pending = pending };
        });

        // QEMU refused (add-fd, the change) or our set is not ours alone, and QEMU kept what it had:
        // QEMU lets go of our set first, then the pending medium (and a disk recorded only for it)
        // is forgotten. Any other failure (cancelled, disconnected) leaves QEMU's answer unknown,
        // so the pending record stays, describing whatever QEMU made; the next settle resolves it.
        async Task RollBackAsync()
        {
            await DropAsync(qmp, pending).ConfigureAwait(false);
            ForgetInConfig(jsonLock, device, disk => disk?.Pending?.Token != token ? disk
                : created && disk.Medium is null ? null : disk with { Pending = null });
        }

        QmpAddFdResult added;
        try
        {
            added = await qmp.AddFdAsync(image, fdsetId, CdromFdsets.Opaque(token, path), ct).ConfigureAwait(false);
        }
        catch (QmpCommandException)
        {
            await RollBackAsync().ConfigureAwait(false);
            throw;
        }

        // Someone else may have made a set with this id since it was chosen: sharing it, QEMU could
        // open their descriptor as the medium. Refuse to go on.
        QmpFdset? set = CdromFdsets.Find(await qmp.QueryFdsetsAsync(ct).ConfigureAwait(false), fdsetId);
        if (added.FdsetId != fdsetId || (set is not null && set.Fds.Any(fd => CdromFdsets.TokenOf(fd.Opaque) != token)))
        {
            await RollBackAsync().ConfigureAwait(false);
            throw new InvalidOperationException(
                $"Fd set {fdsetId} of domain '{domain.Name}' was taken by someone else while the image was being added (QEMU answered fd set {added.FdsetId}); nothing was changed, try again.");
        }

        try
        {
            await qmp.BlockdevChangeMediumAsync(device, pending.QemuFileName, format: "raw",
                QmpReadOnlyMode.ReadOnly, ct).ConfigureAwait(false);
        }
        catch (QmpCommandException)
        {
            await RollBackAsync().ConfigureAwait(false);
            throw;
        }

        await FinishAsync(qmp, jsonLock, device, pending).ConfigureAwait(false);
    }

    /// <summary>
    /// QEMU holds <paramref name="pending"/>: drop the old medium's fd set while the config still
    /// describes it, then finalise (pending becomes the medium). A kill in between leaves both
    /// described; the next settle finalises. The change happened: a failed drop (QEMU gone or
    /// refusing) does not fail it, and what it leaves the settle's sweep removes.
    /// </summary>
    private static async Task FinishAsync(QmpClient qmp, JsonLock jsonLock, string device, MediumConfig pending)
    {
        DiskConfig Finalised(DiskConfig? disk) => (disk ?? NewCdrom(device)) with { Medium = pending, Pending = null };

        MediumConfig? old = ReadDisk(jsonLock, device)?.Medium;
        if (old is not null && old.QemuFileName != pending.QemuFileName)
        {
            await DropAsync(qmp, old).ConfigureAwait(false);
            // QEMU let go of the old medium: the config may forget it (TSL1011's converse).
            ForgetInConfig(jsonLock, device, Finalised);
            return;
        }

        // Nothing to forget: the pending medium, already described, becomes the medium.
        RecordInConfig(jsonLock, device, Finalised);
    }

    /// <summary>
    /// Settles a pending medium an interrupted insert left (the slow lock is held, so no insert is
    /// under way): if QEMU holds it (its <c>/dev/fdset/N</c>, N being the set of its token), the
    /// insert got that far and is finished now; otherwise QEMU lets go of its set (found by its
    /// token), then it is forgotten.
    /// </summary>
    private static async Task SettlePendingAsync(QmpClient qmp, JsonLock jsonLock, string device, CancellationToken ct)
    {
        if (ReadDisk(jsonLock, device)?.Pending is not { } stale)
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

        IReadOnlyList<QmpFdset> fdsets = await qmp.QueryFdsetsAsync(ct).ConfigureAwait(false);
        // The set QEMU made for it: by its token; an older version's record (no token) by its id.
        int? made = stale.Token is string token
            ? fdsets.FirstOrDefault(set => set.Fds.Any(fd => CdromFdsets.TokenOf(fd.Opaque) == token))?.FdsetId
            : stale.FdSet;
        MediumConfig resolved = stale with { FdSet = made ?? stale.FdSet };
        if (made is not null && held == resolved.QemuFileName)
        {
            await FinishAsync(qmp, jsonLock, device, resolved).ConfigureAwait(false);
            return;
        }

        await DropAsync(qmp, stale).ConfigureAwait(false);
        ForgetInConfig(jsonLock, device, disk => disk?.Pending is { } p && p.Token == stale.Token && p.FdSet == stale.FdSet ? disk with { Pending = null } : disk);
    }

    /// <summary>
    /// Removes every descriptor of the hot-plug's (by its opaque marker) in an fd set the config
    /// does not name. The slow lock is held, so no change is under way and the config read after
    /// query-fdsets names every set a change of ours still needs.
    /// </summary>
    private static async Task SettleFdsetsAsync(QmpClient qmp, JsonLock jsonLock, CancellationToken ct)
    {
        IReadOnlyList<QmpFdset> fdsets = await qmp.QueryFdsetsAsync(ct).ConfigureAwait(false);
        foreach ((int fdsetId, int fd) in CdromFdsets.Undescribed(fdsets, ReadConfig(jsonLock)))
        {
            // By descriptor, so that someone else's descriptor in the same set stays.
            await qmp.RemoveFdAsync(fdsetId, fd, ct).ConfigureAwait(false);
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

    /// <summary>The record step that makes the config describe what QEMU is about to hold (the pending medium, the finalised one).</summary>
    [DescribesInJsonConfig(typeof(QmpLock))]
    private static void RecordInConfig(JsonLock jsonLock, string device, Func<DiskConfig?, DiskConfig?> change) =>
        UpdateDisk(jsonLock, device, change);

    /// <summary>The record step that forgets what QEMU no longer holds; only after QEMU let go of it (eject, <see cref="DropAsync"/>).</summary>
    [RemovesFromJsonConfig(typeof(QmpLock))]
    private static void ForgetInConfig(JsonLock jsonLock, string device, Func<DiskConfig?, DiskConfig?> change) =>
        UpdateDisk(jsonLock, device, change);

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
    /// Makes QEMU let go of <paramref name="medium"/>'s fd set: the descriptors carrying its token
    /// (an older version's record: its whole set). Best effort, and never an error: a set QEMU still
    /// uses or already dropped, a QEMU that stopped answering or died. What stays is a set of ours
    /// the config no longer describes once the caller updates it, which the next settle removes.
    /// </summary>
    /// <remarks>Declared the primary removal of the medium: best effort, what it leaves is a set the next settle removes, never one the config must describe.</remarks>
    [RemovesFromPrimaryConfig(typeof(QmpLock))]
    private static async Task DropAsync(QmpClient qmp, MediumConfig medium)
    {
        try
        {
            // Bounded: cleanup must not keep the slow lock forever if QEMU stops answering.
            using var limit = new CancellationTokenSource(CleanupLimit);
            if (medium.Token is not string token)
            {
                if (medium.FdSet is int legacy)
                {
                    await qmp.RemoveFdAsync(legacy, fd: null, limit.Token).ConfigureAwait(false);
                }

                return;
            }

            // By token, never by id alone: a set whose add-fd never happened has an id someone else may have since.
            foreach (QmpFdset set in await qmp.QueryFdsetsAsync(limit.Token).ConfigureAwait(false))
            {
                foreach (QmpFdsetFd fd in set.Fds)
                {
                    if (CdromFdsets.TokenOf(fd.Opaque) == token)
                    {
                        await qmp.RemoveFdAsync(set.FdsetId, fd.Fd, limit.Token).ConfigureAwait(false);
                    }
                }
            }
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
