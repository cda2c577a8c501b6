using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>TSL1004: a <c>[RequiresUnlocked]</c> member (every QMP call) called with a lock it forbids held on every path.</summary>
internal static class Tsl1004RequiresUnlocked
{
    public static void Check(RuleContext context)
    {
        foreach (LockEvent call in context.Analysis.Events)
        {
            if (call.Kind != LockEventKind.Call
                || !(call.Contract.RequiresUnlocked || call.Summary is { RequiresUnlocked: true }))
            {
                continue;
            }

            Acquisition? forbidden = null;
            UnlockRequirement? requirement = null;
            foreach (HeldLock held in call.Held)
            {
                if (!held.OnEveryPath || held.Acquisition.Kind is not { } kind)
                {
                    continue;
                }

                UnlockRequirement? inherited = call.Contract.Forbids(kind) ? null : call.Summary?.RequirementForbidding(kind);
                // Name the innermost: the one to drop first.
                if ((call.Contract.Forbids(kind) || inherited is not null)
                    && (forbidden is null || kind.Level > forbidden.Kind!.Level))
                {
                    forbidden = held.Acquisition;
                    requirement = inherited;
                }
            }

            if (forbidden is not null)
            {
                string chain = requirement is null
                    ? MessageText.CallName(call.Callee!)
                    : MessageText.Chain(call.Callee!, requirement.Chain);
                context.Report(Descriptors.RequiresUnlocked, call.Operation, forbidden.Location,
                    FixData.AroundCall(forbidden, call),
                    chain, forbidden.Display);
            }
        }
    }
}
