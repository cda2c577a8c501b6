using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>TSL1006: a release of a lock that is, on every path, already released.</summary>
internal static class Tsl1006DoubleRelease
{
    public static void Check(RuleContext context)
    {
        foreach (LockEvent release in context.Analysis.Events)
        {
            if (release.Kind != LockEventKind.Release || release.Targets.IsEmpty || context.IsReported(release.Operation))
            {
                continue;
            }

            Acquisition? released = null;
            foreach ((Acquisition target, byte status) in release.Targets)
            {
                if (target.Origin == AcquisitionOrigin.Parameter || status != LockState.Released)
                {
                    released = null;
                    break;
                }

                released ??= target;
            }

            if (released is not null)
            {
                context.Report(Descriptors.DoubleRelease, release.Operation, released.Location,
                    released.Display, released.Line);
            }
        }
    }
}
