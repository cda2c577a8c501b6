using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>TSL1002: a call that may sleep or wait while a lock that forbids blocking is held on every path.</summary>
internal static class Tsl1002BlockingUnderLock
{
    public static void Check(RuleContext context)
    {
        foreach (LockEvent call in context.Analysis.Events)
        {
            if (call.Kind != LockEventKind.Call
                || !(call.Contract.IsBlocking || call.Summary is { IsBlocking: true }))
            {
                continue;
            }

            // A QMP call under a short lock is TSL1004's mistake, not this one's: RulePrecedence decides.
            Acquisition? forbidding = null;
            foreach (HeldLock held in call.Held)
            {
                if (held.OnEveryPath && held.Acquisition.Kind is { ForbidsBlocking: true })
                {
                    forbidding ??= held.Acquisition;
                }
            }

            if (forbidding is not null)
            {
                context.Report(Descriptors.BlockingUnderLock, call.Operation, forbidding.Location,
                    FixData.AroundCall(forbidding, call),
                    Chain(call), forbidding.Display);
            }
        }
    }

    private static string Chain(LockEvent call)
    {
        return call.Contract.IsBlocking || call.Summary is null
            ? MessageText.CallName(call.Callee!)
            : MessageText.Chain(call.Callee!, call.Summary.BlockingChain);
    }
}
