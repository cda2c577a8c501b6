using System.Linq;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>TSL1003: a handle released through a lock of another type or instance.</summary>
internal static class Tsl1003WrongLockRelease
{
    public static void Check(RuleContext context)
    {
        foreach (LockEvent release in context.EventsOf(LockEventKind.Release))
        {
            // Only when every acquisition the handle may come from is of another lock.
            if (release.ByHandle && release.ReleaserKind is { } releaser && !release.Targets.IsEmpty
                && release.Targets.All(target => target.Acquisition.Kind is not null
                    && !target.Acquisition.MayBe(releaser, release.ReleaserPath)))
            {
                Acquisition issuer = release.Targets[0].Acquisition;
                context.Report(Descriptors.WrongLockRelease, release.Operation, RuleContext.Related(issuer.Location), FixData.About(issuer),
                    MessageText.Describe(issuer.Name), MessageText.Describe(release.ReleaserName!));
            }
        }
    }
}
