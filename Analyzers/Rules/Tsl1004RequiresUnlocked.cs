using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>TSL1004: a <c>[RequiresUnlocked]</c> member (every QMP call) called with a lock it forbids held on every path.</summary>
internal static class Tsl1004RequiresUnlocked
{
    public static void Check(RuleContext context)
    {
        foreach (LockEvent call in context.Analysis.Events)
        {
            if (call.Kind != LockEventKind.Call || context.IsReported(call.Operation)
                || !(call.Contract.RequiresUnlocked || call.Summary is { RequiresUnlocked: true }))
            {
                continue;
            }

            Acquisition? forbidden = null;
            foreach (HeldLock held in call.Held)
            {
                if (held.OnEveryPath && held.Acquisition.Kind is { } kind
                    && (call.Contract.Forbids(kind) || call.Summary?.Forbids(kind) == true))
                {
                    // Name the innermost: the one to drop first.
                    if (forbidden is null || kind.Level > forbidden.Kind!.Level)
                    {
                        forbidden = held.Acquisition;
                    }
                }
            }

            if (forbidden is not null)
            {
                context.Report(Descriptors.RequiresUnlocked, call.Operation, forbidden.Location,
                    Chain(call), forbidden.Display, forbidden.Line);
            }
        }
    }

    private static string Chain(LockEvent call)
    {
        string name = MethodAnalysis.CallName(call.Callee!);
        return call.Contract.RequiresUnlocked || call.Summary is null
            ? name
            : name + " → " + string.Join(" → ", call.Summary.RequiresUnlockedChain);
    }
}
