using Toolstack.Runtime;
using Toolstack.Runtime.Tests.Hotplug.Support;

namespace Toolstack.Soak.Sections;

/// <summary>
/// The invariant's second half, which <see cref="CdromState.Violations"/> does not check: every
/// fd set QEMU holds is described by the config (<see cref="CdromState.Describes"/>: a medium or
/// pending medium names its id, or holds the token its descriptors carry). Stricter than
/// <see cref="CdromState.FdsetViolations"/>, which looks at the hot-plug's marked sets only: in the
/// soak nothing else adds fd sets, so an unmarked one is a breach too. In a running VM (no
/// <c>-S</c>) QEMU frees an fd set as soon as it is removed and unused, so one still listed that
/// the config does not describe is a stale fd set: an image kept open by nobody's record.
/// </summary>
internal static class FdsetCoverage
{
    public static IReadOnlyList<string> Violations(CdromState state) =>
        state.Fdsets
            .Where(set => !CdromState.Describes(state.Config, set))
            .Select(set => $"fd set {set.FdsetId} ({string.Join(", ", set.Fds.Select(f => f.Opaque))}) is in QEMU, and the config describes it neither by id nor by token")
            .ToList();
}
