using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>
/// TSL1010: a <c>[GuardedBy]</c> field or property read or written where its lock is not held on
/// every path. Lambdas and local functions are analysed on their own, so the locks held where
/// they are created do not count (Error Prone's rule): they may run after those are released.
/// </summary>
internal static class Tsl1010GuardedAccess
{
    public static void Check(RuleContext context)
    {
        foreach (LockEvent access in context.EventsOf(LockEventKind.GuardedAccess))
        {
            foreach (RequiredLock required in access.Required)
            {
                if (!access.HoldsOnEveryPath(required))
                {
                    context.Report(Descriptors.GuardedAccess, access.Operation, RuleContext.Related(),
                        access.Callee!.Name, MessageText.Describe(required.Name));
                }
            }
        }
    }
}
