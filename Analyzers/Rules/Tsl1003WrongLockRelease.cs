using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>TSL1003: a handle released through a lock of another type or instance.</summary>
internal static class Tsl1003WrongLockRelease
{
    public static void Check(RuleContext context)
    {
        foreach (LockEvent release in context.Analysis.Events)
        {
            if (release.Kind != LockEventKind.Release || !release.ByHandle || release.ReleaserKind is not { } releaser
                || release.Targets.IsEmpty)
            {
                continue;
            }

            // Only when every acquisition the handle may come from is of another lock.
            Acquisition? issuer = null;
            foreach (ReleaseTarget released in release.Targets)
            {
                Acquisition target = released.Acquisition;
                if (target.Kind is null || target.MayBe(releaser, release.ReleaserPath))
                {
                    issuer = null;
                    break;
                }

                issuer ??= target;
            }

            if (issuer is not null)
            {
                context.Report(Descriptors.WrongLockRelease, release.Operation, issuer.Location, FixData.About(issuer),
                    issuer.Display, release.ReleaserDisplay!);
            }
        }
    }
}
