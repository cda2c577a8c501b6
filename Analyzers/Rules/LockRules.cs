using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>Every rule over one method's analysis; <see cref="RulePrecedence"/> decides what is reported.</summary>
internal static class LockRules
{
    /// <summary>The rules, in no order that matters.</summary>
    public static ImmutableArray<Action<RuleContext>> All { get; } = ImmutableArray.Create<Action<RuleContext>>(
        Tsl1001LockOrder.Check,
        Tsl1002BlockingUnderLock.Check,
        Tsl1003WrongLockRelease.Check,
        Tsl1004RequiresUnlocked.Check,
        Tsl1005LeakedLock.Check,
        Tsl1006DoubleRelease.Check,
        Tsl1007AwaitUnderLock.Check,
        Tsl1008MissingRequiredLock.Check,
        Tsl1009ReleaseNotOnThrow.Check,
        Tsl1010GuardedAccess.Check,
        Tsl1011HotplugInvariant.Check);

    public static void Check(MethodAnalysis analysis, Action<Diagnostic> report)
    {
        foreach (Finding finding in Findings(analysis, All))
        {
            report(finding.ToDiagnostic());
        }
    }

    /// <summary>What <paramref name="rules"/>, run in the order given, report after precedence.</summary>
    public static ImmutableArray<Finding> Findings(MethodAnalysis analysis, ImmutableArray<Action<RuleContext>> rules)
    {
        var context = new RuleContext(analysis);
        foreach (Action<RuleContext> rule in rules)
        {
            rule(context);
        }

        return RulePrecedence.Resolve(context.Findings);
    }
}
