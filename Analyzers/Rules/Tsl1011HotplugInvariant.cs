using Toolstack.Analyzers.Flow;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Rules;

/// <summary>
/// TSL1011: an add to the primary config not preceded by a describe, or a removal from the JSON
/// config not preceded by a primary removal, under the same continuously held lock. Reported at
/// the call, with the acquisition as the additional location.
/// </summary>
internal static class Tsl1011HotplugInvariant
{
    public static void Check(RuleContext context)
    {
        foreach (HotplugFinding finding in context.Analysis.Hotplug.Findings)
        {
            bool add = finding.Role.Kind == HotplugRoleKind.AddsToPrimary;
            context.Report(Descriptors.HotplugInvariant, finding.Call.Operation, RuleContext.Related(finding.Lock.Location),
                MessageText.CallName(finding.Call.Callee!),
                add ? "adds to the primary config" : "removes from the JSON config",
                add ? "the JSON config was not made to describe it" : "nothing was removed from the primary config",
                MessageText.Describe(finding.Lock.Name));
        }
    }
}
