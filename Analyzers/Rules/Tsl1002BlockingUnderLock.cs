using System.Linq;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>TSL1002: a call that may sleep or wait while a lock that forbids blocking is held on every path, or on every path where a tracked bool has one value.</summary>
internal static class Tsl1002BlockingUnderLock
{
    public static void Check(RuleContext context)
    {
        // A QMP call under a short lock is TSL1004's mistake, not this one's: RulePrecedence decides.
        foreach (LockEvent call in context.EventsOf(LockEventKind.Call))
        {
            if ((call.Contract.IsBlocking || call.Summary is { IsBlocking: true })
                && call.Held.FirstOrDefault(held => held.OnEveryPath && held.Acquisition.Kind is { ForbidsBlocking: true })
                    is { Acquisition: { } forbidding })
            {
                // The callee blocks itself, or a call inside it does: then the chain's last hop is shown too.
                CallChain? inside = call.Contract.IsBlocking ? null : call.Summary?.BlockingChain;
                context.Report(Descriptors.BlockingUnderLock, call.Operation, RuleContext.Related(forbidding.Location, inside?.LastHop),
                    FixData.AroundCall(forbidding, call),
                    inside is null ? MessageText.CallName(call.Callee!) : MessageText.Chain(call.Callee!, inside),
                    MessageText.Describe(forbidding.Name));
            }
            else if ((call.Contract.IsBlocking || call.Summary is { IsBlocking: true })
                && RuleContext.InnermostHeldWhen(call, kind => kind.ForbidsBlocking) is { } held)
            {
                // Held on the feasible paths where a bool has one value: no fix offered, the lock is not always there to drop.
                CallChain? inside = call.Contract.IsBlocking ? null : call.Summary?.BlockingChain;
                context.Report(Descriptors.BlockingUnderLock, call.Operation, RuleContext.Related(held.Acquisition.Location, inside?.LastHop),
                    inside is null ? MessageText.CallName(call.Callee!) : MessageText.Chain(call.Callee!, inside),
                    MessageText.Describe(held));
            }
        }
    }
}
