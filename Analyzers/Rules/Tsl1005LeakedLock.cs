using System.Linq;
using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>TSL1005: a lock still held on some normal way out of the method (return, break, falling off the end).</summary>
internal static class Tsl1005LeakedLock
{
    public static void Check(RuleContext context)
    {
        foreach (Acquisition acquisition in context.OwnedAcquisitions)
        {
            // The first normal way out that may still hold it.
            if (context.Analysis.Exits.FirstOrDefault(exit => exit.IsNormal && exit.State.MayBeOwned(acquisition.Index))
                is { } exit)
            {
                context.Report(Descriptors.LeakedLock, acquisition, RuleContext.Related(exit.Location), FixData.About(acquisition),
                    MessageText.Describe(acquisition.Name), MethodName(context.Analysis.Method), Describe(exit));
            }
        }
    }

    private static string MethodName(IMethodSymbol method) =>
        method.MethodKind == MethodKind.AnonymousFunction ? "lambda" : method.Name;

    // Where it is still held is the additional location; the message only says how control leaves.
    private static string Describe(ExitPath exit) => exit.IsReturn ? "still held at a return" : "still held on leaving";
}
