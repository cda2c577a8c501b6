using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>TSL1005: a lock still held on some normal way out of the method (return, break, falling off the end).</summary>
internal static class Tsl1005LeakedLock
{
    public static void Check(RuleContext context)
    {
        MethodAnalysis analysis = context.Analysis;
        foreach (Acquisition acquisition in analysis.Acquisitions)
        {
            if (!IsOwnedHere(analysis, acquisition))
            {
                continue;
            }

            foreach (ExitPath exit in analysis.Exits)
            {
                if (exit.IsNormal && exit.State.MayBeOwned(acquisition.Index))
                {
                    context.Report(Descriptors.LeakedLock, acquisition, exit.Location, FixData.About(acquisition),
                        acquisition.Display, MethodName(analysis.Method), Describe(exit));
                    break;
                }
            }
        }
    }

    /// <summary>
    /// Locks this method must give back, on the paths where their handle was not handed on: taken
    /// here, and not the point of the method (a wrapper declared <c>[AcquiresLock]</c>). A helper
    /// that takes a lock and keeps no handle was already reported inside the helper.
    /// </summary>
    internal static bool IsOwnedHere(MethodAnalysis analysis, Acquisition acquisition) =>
        acquisition.IsFromCall
        && acquisition.Kind is not null
        && !(acquisition.ViaSummary && !acquisition.HasHandle)
        && !analysis.DeclaresAcquisitionOf(acquisition.Kind);

    private static string MethodName(IMethodSymbol method) =>
        method.MethodKind == MethodKind.AnonymousFunction ? "lambda" : method.Name;

    private static string Describe(ExitPath exit)
    {
        // Where it is still held is the additional location; the message only says how control leaves.
        return exit.IsReturn ? "still held at a return" : "still held on leaving";
    }
}
