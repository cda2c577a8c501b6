using System;
using System.Collections.Generic;
using System.Linq;

namespace Toolstack.Runtime;

/// <summary>
/// Which of QEMU's fd sets are the CD-ROM hot-plug's, and which of those the JSON config
/// describes: every descriptor an insert adds carries <see cref="CdromHotplug.FdsetOpaquePrefix"/>,
/// the insert's token and the image path in its opaque string, and a config record describes the
/// descriptors carrying its token (an older version's record, without a token: its whole set).
/// </summary>
internal static class CdromFdsets
{
    private const string Prefix = CdromHotplug.FdsetOpaquePrefix;

    /// <summary>The opaque string of the descriptor an insert adds: the marker, its token, the image path.</summary>
    internal static string Opaque(string token, string path) => Prefix + token + ":" + path;

    /// <summary>The token in a descriptor's opaque string (<see cref="Opaque"/>); null for an older version's or anyone else's.</summary>
    internal static string? TokenOf(string? opaque)
    {
        if (opaque is null || opaque.Length <= Prefix.Length + RandomToken.Length
            || !opaque.StartsWith(Prefix, StringComparison.Ordinal)
            || opaque[Prefix.Length + RandomToken.Length] != ':')
        {
            return null;
        }

        ReadOnlySpan<char> token = opaque.AsSpan(Prefix.Length, RandomToken.Length);
        return RandomToken.Is(token) ? token.ToString() : null;
    }

    /// <summary>
    /// An fd set id that neither QEMU lists (in the prelaunch state that includes removed sets) nor
    /// the config names: one above the highest of both. The slow lock is held, so no insert of ours
    /// takes it meanwhile; someone else's add-fd could, which the insert checks after its own.
    /// </summary>
    internal static int FreeId(IReadOnlyList<QmpFdset> fdsets, DomainConfig config)
    {
        int highest = -1;
        foreach (QmpFdset set in fdsets)
        {
            highest = Math.Max(highest, set.FdsetId);
        }

        foreach (DiskConfig disk in config.Disks)
        {
            highest = Math.Max(highest, Math.Max(disk.Medium?.FdSet ?? -1, disk.Pending?.FdSet ?? -1));
        }

        return checked(highest + 1);
    }

    internal static QmpFdset? Find(IReadOnlyList<QmpFdset> fdsets, int id) => fdsets.FirstOrDefault(set => set.FdsetId == id);

    /// <summary>
    /// The hot-plug's descriptors (by the opaque marker) that <paramref name="config"/> does not
    /// describe: what a settle removes. Someone else's descriptors are never listed.
    /// </summary>
    internal static IEnumerable<(int FdsetId, int Fd)> Undescribed(IReadOnlyList<QmpFdset> fdsets, DomainConfig config)
    {
        var named = new HashSet<int>();
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        foreach (DiskConfig disk in config.Disks)
        {
            foreach (MediumConfig? medium in new[] { disk.Medium, disk.Pending })
            {
                if (medium?.FdSet is int id)
                {
                    named.Add(id);
                }

                if (medium?.Token is string token)
                {
                    tokens.Add(token);
                }
            }
        }

        foreach (QmpFdset set in fdsets)
        {
            foreach (QmpFdsetFd fd in set.Fds)
            {
                bool ours = fd.Opaque?.StartsWith(Prefix, StringComparison.Ordinal) == true;
                // A descriptor with a token is described by the record holding that token; an older
                // version's (no token) by a record naming its set.
                bool described = TokenOf(fd.Opaque) is string token ? tokens.Contains(token) : named.Contains(set.FdsetId);
                if (ours && !described)
                {
                    yield return (set.FdsetId, fd.Fd);
                }
            }
        }
    }
}
