using Microsoft.CodeAnalysis.FlowAnalysis;
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
                if (exit.IsNormal && exit.State.MayBeHeld(acquisition.Index))
                {
                    context.Report(Descriptors.LeakedLock, acquisition, exit.Location,
                        acquisition.Display, analysis.Method.Name, Describe(exit));
                    break;
                }
            }
        }
    }

    /// <summary>
    /// Locks this method must give back: taken here, not handed to anyone else, and not the
    /// point of the method (a wrapper declared <c>[AcquiresLock]</c>). A helper that takes a
    /// lock and keeps no handle was already reported inside the helper.
    /// </summary>
    internal static bool IsOwnedHere(MethodAnalysis analysis, Acquisition acquisition) =>
        acquisition.IsFromCall
        && acquisition.Kind is not null
        && !analysis.Escaped.Contains(acquisition.Index)
        && !(acquisition.ViaSummary && !acquisition.HasHandle)
        && !analysis.DeclaresAcquisitionOf(acquisition.Kind);

    private static string Describe(ExitPath exit)
    {
        int line = exit.Location.GetLineSpan().StartLinePosition.Line + 1;
        return exit.Semantics == ControlFlowBranchSemantics.Return
            ? $"the return at line {line}"
            : $"leaving at line {line}";
    }
}
