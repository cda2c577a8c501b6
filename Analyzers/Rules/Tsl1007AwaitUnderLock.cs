using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>TSL1007: an <c>await</c> while a short lock is held on every path.</summary>
internal static class Tsl1007AwaitUnderLock
{
    public static void Check(RuleContext context)
    {
        // Releasing never waits: awaiting a handle's DisposeAsync completes at once.
        var releases = new HashSet<IOperation>();
        foreach (LockEvent lockEvent in context.Analysis.Events)
        {
            if (lockEvent.Kind == LockEventKind.Release)
            {
                releases.Add(lockEvent.Operation);
            }
        }

        // One statement, one mistake: `await foreach` awaits twice (MoveNextAsync, DisposeAsync), and
        // `await using var x = await Call()` under a lock is the call's mistake (TSL1004) once.
        var reportedStatements = new HashSet<SyntaxNode>();
        foreach (LockEvent awaiting in context.Analysis.Events)
        {
            if (awaiting.Kind != LockEventKind.Await)
            {
                continue;
            }

            Acquisition? shortLock = null;
            foreach (HeldLock held in awaiting.Held)
            {
                if (held.OnEveryPath && held.Acquisition.Kind is { IsSlow: false } kind
                    && (shortLock is null || kind.Level > shortLock.Kind!.Level))
                {
                    shortLock = held.Acquisition;
                }
            }

            // The await of a call already reported (a QMP call under the lock) is the same mistake.
            IOperation awaited = ((IAwaitOperation)awaiting.Operation).Operation;
            SyntaxNode statement = StatementOf(awaiting.Operation.Syntax);
            if (shortLock is not null && !context.IsReportedWithin(awaited)
                && !awaited.DescendantsAndSelf().Any(releases.Contains)
                && !context.IsReportedWithin(statement.Span)
                && reportedStatements.Add(statement))
            {
                context.Report(Descriptors.AwaitUnderLock, awaiting.Operation, shortLock.Location,
                    shortLock.Display);
            }
        }
    }

    private static SyntaxNode StatementOf(SyntaxNode node)
    {
        for (SyntaxNode? current = node; current is not null; current = current.Parent)
        {
            if (current is StatementSyntax)
            {
                return current;
            }
        }

        return node;
    }
}
