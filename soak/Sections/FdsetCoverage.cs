using Toolstack.Runtime;
using Toolstack.Runtime.Tests.Hotplug.Support;

namespace Toolstack.Soak.Sections;

/// <summary>
/// The invariant's second half, which <see cref="CdromState.Violations"/> does not check: every
/// fd set QEMU holds is described by the config, as some disk's medium or pending medium. In a
/// running VM (no <c>-S</c>) QEMU frees an fd set as soon as it is removed and unused, so one
/// still listed that the config does not name is a stale fd set: an image kept open by nobody's record.
/// </summary>
internal static class FdsetCoverage
{
    public static IReadOnlyList<string> Violations(CdromState state)
    {
        var described = new HashSet<int>(state.Config.Disks
            .SelectMany(d => new[] { d.Medium?.FdSet, d.Pending?.FdSet })
            .OfType<int>());
        return state.Fdsets
            .Where(set => !described.Contains(set.FdsetId))
            .Select(set => $"fd set {set.FdsetId} ({string.Join(", ", set.Fds.Select(f => f.Opaque))}) is in QEMU, and no disk's medium or pending medium names it")
            .ToList();
    }
}
