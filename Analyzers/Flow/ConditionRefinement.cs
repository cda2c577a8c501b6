using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// Narrows the two sides of a branch on a tracked <c>bool</c> (<c>if (take)</c>, <c>if (!ok)</c>,
/// <c>if (x.TryLock(out h))</c>): on each side the value is known, a side the value rules out
/// cannot happen, and every acquisition correlated with it gets back its status under that value.
/// </summary>
internal static class ConditionRefinement
{
    public static (bool Conditional, bool FallThrough) Split(BasicBlock block, LockState whenConditional, LockState otherwise,
        TrackableBools trackable)
    {
        if (block.BranchValue is null || !TryGetKey(block.BranchValue, whenConditional.Conditions, trackable, out object? key, out bool negated))
        {
            return (true, true);
        }

        bool conditionalValue = (block.ConditionKind == ControlFlowConditionKind.WhenTrue) != negated;
        string label = LabelOf(key!);
        return (Refine(whenConditional, key!, label, conditionalValue), Refine(otherwise, key!, label, !conditionalValue));
    }

    /// <summary>
    /// The tracked bool <paramref name="condition"/> reads, and whether it is negated: a bool local
    /// or parameter, or a capture or invocation the table already tracks.
    /// </summary>
    public static bool TryGetKey(IOperation condition, ConditionTable table, TrackableBools trackable, out object? key, out bool negated)
    {
        negated = false;
        IOperation operation = LockPaths.Unwrap(condition);
        while (operation is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not)
        {
            negated = !negated;
            operation = LockPaths.Unwrap(not.Operand);
        }

        key = operation switch
        {
            ILocalReferenceOperation local when trackable.CanTrack(local.Local) => local.Local,
            IParameterReferenceOperation parameter when trackable.CanTrack(parameter.Parameter) => parameter.Parameter,
            IFlowCaptureReferenceOperation capture when table.Find(capture.Id) is not null => capture.Id,
            IInvocationOperation invocation when table.Find(invocation) is not null => invocation,
            _ => null,
        };
        return key is not null;
    }

    /// <summary>How a message names a key: a variable by its name, anything else by its text.</summary>
    public static string LabelOf(object key) => key switch
    {
        ISymbol symbol => symbol.Name,
        IOperation operation => operation.Syntax.ToString(),
        _ => "condition",
    };

    /// <summary>Narrows <paramref name="state"/> to the paths where <paramref name="key"/> is <paramref name="value"/>; false if there are none.</summary>
    public static bool Refine(LockState state, object key, string label, bool value)
    {
        if (state.Conditions.Find(key) is not { } condition)
        {
            // Not yet tracked: from here on it is known (locals and parameters only).
            if (key is ISymbol)
            {
                state.Conditions = state.Conditions.With(key, BoolCondition.Known(label, value));
            }

            return true;
        }

        if (!condition.Values.Allows(value))
        {
            return false;
        }

        foreach (KeyValuePair<int, StatusPair> pair in condition.Pairs)
        {
            // Both over-approximate the paths here: what they share is all that can be; nothing means no path.
            LockStatus narrowed = state.StatusOf(pair.Key) & pair.Value.When(value);
            if (narrowed == LockStatus.None)
            {
                return false;
            }

            state.RestoreStatus(pair.Key, narrowed);
        }

        // A try-lock's result is consumed by its branch; a variable stays known.
        state.Conditions = key is IOperation
            ? state.Conditions.Without(key)
            : state.Conditions.With(key, BoolCondition.Known(condition.Label, value));
        return true;
    }
}
