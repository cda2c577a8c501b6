using System.Linq;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>TSL1008: a <c>[RequiresLock]</c> member called where its lock is held on no path.</summary>
internal static class Tsl1008MissingRequiredLock
{
    public static void Check(RuleContext context)
    {
        // A local function's needs are checked where it is called (its summary carries them).
        if (context.Analysis.IsLocalFunction)
        {
            return;
        }

        foreach (LockEvent call in context.EventsOf(LockEventKind.Call))
        {
            if (call.Required.FirstOrDefault(required => !call.Holds(required)) is { } missing)
            {
                context.Report(Descriptors.MissingRequiredLock, call.Operation, RuleContext.Related(),
                    MessageText.CallName(call.Callee!), MessageText.Describe(missing.Name));
            }
        }
    }
}
