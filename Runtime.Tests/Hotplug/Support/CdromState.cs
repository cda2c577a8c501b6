using System.Text;
using System.Text.Json;

namespace Toolstack.Runtime.Tests.Hotplug.Support;

/// <summary>
/// What QEMU holds (<c>query-block</c>, <c>query-fdsets</c>) and what the domain's JSON config
/// says, captured together, with libxl's invariant: every medium QEMU holds is described in the
/// config; and, once the hot-plug has settled, every fd set of the hot-plug's (its descriptors'
/// opaque strings carry <see cref="CdromHotplug.FdsetOpaquePrefix"/>) is one the config names.
/// </summary>
/// <remarks>
/// QEMU 7.2 closes a removed fd set only while the VM runs (in the prelaunch or paused state it
/// keeps it listed), so the fd-set half is checked only when <see cref="Running"/>.
/// </remarks>
internal sealed record CdromState(IReadOnlyList<QmpBlockDevice> Block, IReadOnlyList<QmpFdset> Fdsets, DomainConfig Config)
{
    private const string FdsetPrefix = "/dev/fdset/";

    /// <summary>
    /// Captures the state while no change can be under way: takes the domain's slow
    /// <paramref name="slow"/> lock (failing if it is not ours within <paramref name="lockTimeout"/>),
    /// queries QEMU through <paramref name="observer"/>, then reads the config under
    /// <paramref name="json"/> (also bounded by <paramref name="lockTimeout"/>).
    /// </summary>
    public static async Task<CdromState> CaptureAsync(QmpClient observer, QmpLock slow, JsonLock json, TimeSpan lockTimeout)
    {
        LockHandle slowHandle;
        using (var wait = new CancellationTokenSource(lockTimeout))
        {
            try
            {
                slowHandle = await slow.LockAsync(wait.Token);
            }
            catch (OperationCanceledException) when (wait.IsCancellationRequested)
            {
                throw new TimeoutException($"The QmpLock of {slow.Domain} was not ours within {lockTimeout}.");
            }
        }

        await using (slowHandle)
        {
            using CancellationTokenSource queries = new(lockTimeout);
            IReadOnlyList<QmpBlockDevice> block = await observer.QueryBlockAsync(queries.Token);
            IReadOnlyList<QmpFdset> fdsets = await observer.QueryFdsetsAsync(queries.Token);
            QmpStatus status = await observer.QueryStatusAsync(queries.Token);
            DomainConfig config = await ReadConfigAsync(json, lockTimeout);
            return new CdromState(block, fdsets, config) { Running = status.Running };
        }
    }

    /// <summary>Reads the config under <paramref name="json"/>, failing if the lock is not ours within <paramref name="lockTimeout"/>.</summary>
    public static async Task<DomainConfig> ReadConfigAsync(JsonLock json, TimeSpan lockTimeout)
    {
        // JsonLock.Lock blocks its thread while another holder has the flock; a dead holder's is gone.
        Task<DomainConfig> read = Task.Run(() =>
        {
            using LockHandle handle = json.Lock();
            return DomainConfigFile.Read(handle);
        });
        try
        {
            return await read.WaitAsync(lockTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The JsonLock of {json.Domain} was not ours within {lockTimeout}.");
        }
    }

    /// <summary>Whether the VM was running (<c>query-status</c>) when captured.</summary>
    public bool Running { get; init; }

    /// <summary>The medium QEMU holds in <paramref name="device"/> (matched on its qdev id), or null.</summary>
    public QmpBlockMedium? Inserted(string device) => Block.SingleOrDefault(d => d.Qdev == device)?.Inserted;

    /// <summary>The fd set id of the medium in <paramref name="device"/>, or null when empty or not an fd set.</summary>
    public int? InsertedFdset(string device) => Inserted(device)?.File is string file ? FdsetOf(file) : null;

    /// <summary>
    /// The opaque strings of fd set <paramref name="fdset"/>'s descriptors, the hot-plug's marker
    /// taken off (so a hot-plug descriptor shows its image path); empty when QEMU has no such set.
    /// </summary>
    public IReadOnlyList<string?> OpaquesOf(int fdset) =>
        Fdsets.FirstOrDefault(s => s.FdsetId == fdset)?.Fds.Select(f => ImageOf(f.Opaque) ?? f.Opaque).ToList() ?? [];

    /// <summary>
    /// The image path in a hot-plug descriptor's opaque string (<c>toolstack-cdrom:&lt;token&gt;:&lt;path&gt;</c>,
    /// or an older version's <c>toolstack-cdrom:&lt;path&gt;</c>); null for anyone else's.
    /// </summary>
    public static string? ImageOf(string? opaque) =>
        opaque is not null && opaque.StartsWith(CdromHotplug.FdsetOpaquePrefix, StringComparison.Ordinal)
            ? (TokenOf(opaque) is string token ? opaque[(CdromHotplug.FdsetOpaquePrefix.Length + token.Length + 1)..] : opaque[CdromHotplug.FdsetOpaquePrefix.Length..])
            : null;

    /// <summary>The insert's token in a hot-plug descriptor's opaque string; null for an older version's (no token) or anyone else's.</summary>
    public static string? TokenOf(string? opaque)
    {
        if (opaque is null || !opaque.StartsWith(CdromHotplug.FdsetOpaquePrefix, StringComparison.Ordinal))
        {
            return null;
        }

        string rest = opaque[CdromHotplug.FdsetOpaquePrefix.Length..];
        int colon = rest.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && !rest.StartsWith('/') ? rest[..colon] : null;
    }

    /// <summary>The fd sets holding a descriptor of the hot-plug's.</summary>
    public IEnumerable<QmpFdset> HotplugFdsets => Fdsets.Where(s => s.Fds.Any(f => ImageOf(f.Opaque) is not null));

    /// <summary>
    /// Whether <paramref name="config"/> describes fd set <paramref name="set"/>: some disk's medium
    /// or pending medium names its id, or holds the token one of its descriptors carries (an insert
    /// records its token before <c>add-fd</c>, so a set is described even before its id is known).
    /// </summary>
    public static bool Describes(DomainConfig config, QmpFdset set)
    {
        IEnumerable<MediumConfig> media = config.Disks.SelectMany(d => new[] { d.Medium, d.Pending }).OfType<MediumConfig>();
        var tokens = new HashSet<string>(media.Select(m => m.Token).OfType<string>(), StringComparer.Ordinal);
        return media.Any(m => m.FdSet == set.FdsetId) || set.Fds.Any(f => TokenOf(f.Opaque) is string t && tokens.Contains(t));
    }

    /// <summary>
    /// Fd sets of the hot-plug's that the config does not describe (<see cref="Describes"/>): what a
    /// settle must remove. Meaningful only when <see cref="Running"/> (QEMU 7.2 keeps removed
    /// sets listed until the VM runs).
    /// </summary>
    public IReadOnlyList<QmpFdset> UnnamedHotplugFdsets() => HotplugFdsets.Where(s => !Describes(Config, s)).ToList();

    /// <summary>
    /// The fd-set half of the invariant, which must hold at every instant (right after a kill,
    /// before any settle): every fd set of the hot-plug's in QEMU is described by the config. One
    /// line per breach. Meaningful only when <see cref="Running"/>.
    /// </summary>
    public IReadOnlyList<string> FdsetViolations() =>
        UnnamedHotplugFdsets()
            .Select(s => $"fd set {s.FdsetId} ({string.Join(", ", s.Fds.Select(f => f.Opaque))}) is in QEMU, and the config describes it neither by id nor by token")
            .ToList();

    /// <summary>
    /// Fd sets the config does not describe holding a descriptor of one of <paramref name="images"/>
    /// (by the image path in its opaque string, with or without the hot-plug's marker).
    /// </summary>
    public IReadOnlyList<int> UnnamedFdsetsOf(IEnumerable<string> images)
    {
        var paths = new HashSet<string>(images, StringComparer.Ordinal);
        return Fdsets
            .Where(s => !Describes(Config, s) && s.Fds.Any(f => (ImageOf(f.Opaque) ?? f.Opaque) is string p && paths.Contains(p)))
            .Select(s => s.FdsetId)
            .ToList();
    }

    /// <summary>
    /// The invariant once the hot-plug settled (after an insert, eject or settle returned): the
    /// medium invariant, and no fd set of the hot-plug's outside the config. Needs a running VM.
    /// </summary>
    public void AssertSettled()
    {
        AssertInvariant();
        Assert.True(Running, $"Fd-set settlement is observable only while the VM runs (QEMU 7.2 keeps removed sets listed before): {this}");
        IReadOnlyList<QmpFdset> unnamed = UnnamedHotplugFdsets();
        Assert.True(unnamed.Count == 0,
            $"QEMU holds fd sets of the hot-plug's that the config does not name: " +
            $"{string.Join(", ", unnamed.Select(u => $"{u.FdsetId}=[{string.Join(",", u.Fds.Select(f => f.Opaque))}]"))}{Environment.NewLine}{this}");
    }

    /// <summary>The one opaque string of fd set <paramref name="fdset"/>, or null when it has none or several.</summary>
    public string? OpaqueOf(int fdset) => OpaquesOf(fdset).Distinct().Count() == 1 ? OpaquesOf(fdset)[0] : null;

    /// <summary>The highest fd set id QEMU lists, or -1.</summary>
    public int MaxFdset => Fdsets.Count == 0 ? -1 : Fdsets.Max(s => s.FdsetId);

    public DiskConfig? Disk(string device) => Config.FindDisk(device);

    /// <summary><paramref name="medium"/> without its insert token (random per insert), to compare with an expected record.</summary>
    public static MediumConfig? WithoutToken(MediumConfig? medium) => medium is null ? null : medium with { Token = null };

    /// <summary>
    /// Every breach of the invariant: a device holding <c>/dev/fdset/N</c> whose config disk has
    /// no Medium or Pending with FdSet N and, as Path, the fd set's opaque string (the image path
    /// CdromHotplug passed with the descriptor); a device holding a plain file the config does
    /// not name.
    /// </summary>
    public IReadOnlyList<string> Violations()
    {
        var violations = new List<string>();
        foreach (QmpBlockDevice device in Block)
        {
            if (device.Inserted is not { } medium)
            {
                continue;
            }

            string name = device.Qdev ?? device.Device;
            DiskConfig? disk = Config.FindDisk(name);
            if (disk is null)
            {
                violations.Add($"{name} holds {medium.File}, and the config has no disk {name}");
                continue;
            }

            MediumConfig?[] described = [disk.Medium, disk.Pending];
            if (FdsetOf(medium.File) is int fdset)
            {
                IReadOnlyList<string?> opaques = OpaquesOf(fdset);
                if (opaques.Count == 0)
                {
                    violations.Add($"{name} holds {medium.File}, which query-fdsets does not list");
                    continue;
                }

                bool ok = described.Any(m => m is not null && m.FdSet == fdset && opaques.All(o => o == m.Path));
                if (!ok)
                {
                    violations.Add($"{name} holds {medium.File} ({string.Join(", ", opaques)}), and the config's disk describes only " +
                        $"medium {Describe(disk.Medium)}, pending {Describe(disk.Pending)}");
                }
            }
            else if (!Config.Describes(name, medium.File))
            {
                violations.Add($"{name} holds {medium.File}, which the config does not name");
            }
        }

        return violations;
    }

    public void AssertInvariant()
    {
        IReadOnlyList<string> violations = Violations();
        Assert.True(violations.Count == 0, $"Invariant broken: {string.Join("; ", violations)}{Environment.NewLine}{this}");
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("query-block: ").AppendJoin(", ", Block.Select(d => d.ToString()));
        // Only the fd sets something names: in the prelaunch state QEMU keeps every set ever added.
        var named = new HashSet<int>(Block.Select(d => d.Inserted?.File is string f ? FdsetOf(f) : null).OfType<int>());
        named.UnionWith(Config.Disks.SelectMany(d => new[] { d.Medium?.FdSet, d.Pending?.FdSet }).OfType<int>());
        text.Append($"; query-fdsets ({Fdsets.Count} sets, highest {MaxFdset}): ").AppendJoin(", ", Fdsets
            .Where(s => named.Contains(s.FdsetId))
            .OrderBy(s => s.FdsetId)
            .Select(s => $"{s.FdsetId}=[{string.Join(",", s.Fds.Select(f => f.Opaque))}]"));
        text.Append("; config: ").Append(JsonSerializer.Serialize(Config));
        return text.ToString();
    }

    public static int? FdsetOf(string file) =>
        file.StartsWith(FdsetPrefix, StringComparison.Ordinal) && int.TryParse(file.AsSpan(FdsetPrefix.Length), out int id) ? id : null;

    private static string Describe(MediumConfig? medium) => medium is null ? "none" : $"{medium.Path} (fdset {medium.FdSet?.ToString() ?? "-"})";
}
