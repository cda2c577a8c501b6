using Toolstack.Analyzers.Flow;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Rules;

/// <summary>TSL1001: a lock taken while a lock at or inside its level is held on every path.</summary>
internal static class Tsl1001LockOrder
{
    public static void Check(RuleContext context)
    {
        foreach (LockEvent acquire in context.Analysis.Events)
        {
            if (acquire.Kind != LockEventKind.Acquire || acquire.Acquired?.Kind is not { } taking)
            {
                continue;
            }

            HeldLock? worst = null;
            foreach (HeldLock held in acquire.Held)
            {
                if (held.OnEveryPath && held.Acquisition.Kind is { } kind && kind.Level >= taking.Level
                    && (worst is null || kind.Level > worst.Value.Acquisition.Kind!.Level))
                {
                    worst = held;
                }
            }

            if (worst is { } offending)
            {
                Acquisition outer = offending.Acquisition;
                context.Report(Descriptors.LockOrder, acquire.Operation, outer.Location,
                    acquire.Acquired.Display, outer.Display, outer.Line, Reason(acquire.Acquired, outer));
            }
        }
    }

    private static string Reason(Acquisition taking, Acquisition held)
    {
        LockKind inner = held.Kind!;
        LockKind outer = taking.Kind!;
        if (taking.Path is not null && taking.Path.Equals(held.Path))
        {
            return "the same lock is taken twice";
        }

        return inner.Level == outer.Level
            ? $"two locks of level {inner.Level} may not be nested"
            : $"{outer.Name} (level {outer.Level}) must be taken before {inner.Name} (level {inner.Level})";
    }
}
