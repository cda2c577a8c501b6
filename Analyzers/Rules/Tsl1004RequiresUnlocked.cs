using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>TSL1004: a <c>[RequiresUnlocked]</c> member (every QMP call) called with a lock it forbids held on every path.</summary>
internal static class Tsl1004RequiresUnlocked
{
    public static void Check(RuleContext context)
    {
        foreach (LockEvent call in context.EventsOf(LockEventKind.Call))
        {
            if (RuleContext.InnermostHeld(call, kind => call.Contract.Forbids(kind) || call.Summary?.Forbids(kind) == true)
                is { Kind: { } kind } forbidden)
            {
                // The attribute on the callee itself, or the call inside it that requires no lock.
                string chain = call.Contract.Forbids(kind) || call.Summary?.RequirementForbidding(kind) is not { } inherited
                    ? MessageText.CallName(call.Callee!)
                    : MessageText.Chain(call.Callee!, inherited.Chain);
                context.Report(Descriptors.RequiresUnlocked, call.Operation, forbidden.Location,
                    FixData.AroundCall(forbidden, call),
                    chain, MessageText.Describe(forbidden.Name));
            }
        }
    }
}
