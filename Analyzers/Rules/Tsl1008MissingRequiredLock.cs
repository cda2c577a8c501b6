using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>TSL1008: a <c>[RequiresLock]</c> member called where its lock is held on no path.</summary>
internal static class Tsl1008MissingRequiredLock
{
    public static void Check(RuleContext context)
    {
        foreach (LockEvent call in context.Analysis.Events)
        {
            if (call.Kind != LockEventKind.Call || call.Required.IsEmpty || context.IsReported(call.Operation))
            {
                continue;
            }

            foreach (RequiredLock required in call.Required)
            {
                if (!IsHeld(call, required))
                {
                    context.Report(Descriptors.MissingRequiredLock, call.Operation, null,
                        MethodAnalysis.CallName(call.Callee!), required.Display);
                    break;
                }
            }
        }
    }

    private static bool IsHeld(LockEvent call, RequiredLock required)
    {
        foreach (HeldLock held in call.Held)
        {
            Acquisition acquisition = held.Acquisition;
            if (acquisition.Kind is { } kind && SymbolEqualityComparer.Default.Equals(kind.Type, required.Kind.Type)
                && (required.Path is null || acquisition.Path is null || required.Path.Equals(acquisition.Path)))
            {
                return true;
            }
        }

        return false;
    }
}
