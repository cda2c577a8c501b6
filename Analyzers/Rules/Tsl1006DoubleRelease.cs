using System.Linq;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>
/// TSL1006: a release of a lock that is, on every path, already released — through a lock's
/// release member (which throws at run time), or by lock path. Disposing a handle is idempotent
/// by contract, so a <c>using</c> after an explicit release is not a second release.
/// </summary>
internal static class Tsl1006DoubleRelease
{
    public static void Check(RuleContext context)
    {
        foreach (LockEvent release in context.EventsOf(LockEventKind.Release))
        {
            // Even a handle of unknown origin: after one release through a lock, a second always throws.
            if (release.ReleaserKind is not null && !release.Targets.IsEmpty
                && release.Targets.All(target => target.Status == LockStatus.Released))
            {
                Acquisition released = release.Targets[0].Acquisition;
                context.Report(Descriptors.DoubleRelease, release.Operation, RuleContext.Related(released.Location), FixData.About(released),
                    MessageText.Describe(released.Name));
            }
        }
    }
}
