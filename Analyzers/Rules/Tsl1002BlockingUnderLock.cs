using System.Linq;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>TSL1002: a call that may sleep or wait while a lock that forbids blocking is held on every path.</summary>
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
                context.Report(Descriptors.BlockingUnderLock, call.Operation, forbidding.Location,
                    FixData.AroundCall(forbidding, call),
                    Chain(call), MessageText.Describe(forbidding.Name));
            }
        }
    }

    private static string Chain(LockEvent call) => call.Contract.IsBlocking || call.Summary is null
        ? MessageText.CallName(call.Callee!)
        : MessageText.Chain(call.Callee!, call.Summary.BlockingChain);
}
