using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>TSL1004: a <c>[RequiresUnlocked]</c> member (every QMP call) called with a lock it forbids held on every path, or on every path where a tracked bool has one value.</summary>
internal static class Tsl1004RequiresUnlocked
{
    public static void Check(RuleContext context)
    {
        foreach (LockEvent call in context.EventsOf(LockEventKind.Call))
        {
            if (RuleContext.InnermostHeld(call, kind => call.Contract.Forbids(kind) || call.Summary?.Forbids(kind) == true)
                is { Kind: { } kind } forbidden)
            {
                // The attribute on the callee itself, or the call inside it that requires no lock: then
                // the chain's last hop is shown too.
                CallChain? inside = call.Contract.Forbids(kind) ? null : call.Summary?.RequirementForbidding(kind)?.Chain;
                context.Report(Descriptors.RequiresUnlocked, call.Operation, RuleContext.Related(forbidden.Location, inside?.LastHop),
                    FixData.AroundCall(forbidden, call),
                    inside is null ? MessageText.CallName(call.Callee!) : MessageText.Chain(call.Callee!, inside),
                    MessageText.Describe(forbidden.Name));
            }
            else if (RuleContext.InnermostHeldWhen(call, kind => call.Contract.Forbids(kind) || call.Summary?.Forbids(kind) == true)
                is { Acquisition.Kind: { } heldKind } held)
            {
                CallChain? inside = call.Contract.Forbids(heldKind) ? null : call.Summary?.RequirementForbidding(heldKind)?.Chain;
                context.Report(Descriptors.RequiresUnlocked, call.Operation, RuleContext.Related(held.Acquisition.Location, inside?.LastHop),
                    inside is null ? MessageText.CallName(call.Callee!) : MessageText.Chain(call.Callee!, inside),
                    MessageText.Describe(held));
            }
        }
    }
}
