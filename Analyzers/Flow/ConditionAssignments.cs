using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// What storing a <c>bool</c> does to the tracked conditions: a constant makes the target known
/// (<c>locked = true</c> next to the acquisition), a tracked value (a try-lock's result, another
/// tracked bool, its negation) carries its correlation over, anything else forgets the target.
/// </summary>
internal static class ConditionAssignments
{
    /// <summary>Whether <paramref name="target"/> is a bool the conditions may track: a local, a by-value parameter.</summary>
    public static object? TrackedTarget(IOperation target, TrackableBools trackable) => target switch
    {
        ILocalReferenceOperation local when trackable.CanTrack(local.Local) => local.Local,
        IParameterReferenceOperation parameter when trackable.CanTrack(parameter.Parameter) => parameter.Parameter,
        _ => null,
    };

    /// <summary><paramref name="target"/> (a tracked key) now holds <paramref name="source"/>'s value.</summary>
    public static void Assign(LockState state, object target, string label, IOperation source, TrackableBools trackable)
    {
        if (state.Conditions.IsEmpty && !IsBoolConstant(source))
        {
            return;
        }

        ConditionTable table = state.Conditions;
        if (LockPaths.Unwrap(source).ConstantValue is { HasValue: true, Value: bool constant })
        {
            state.Conditions = table.With(target, BoolCondition.Known(label, constant));
            return;
        }

        if (ConditionRefinement.TryGetKey(source, table, trackable, out object? key, out bool negated) && table.Find(key!) is { } condition)
        {
            BoolCondition moved = negated ? condition.Negated(label) : condition with { Label = label };
            table = key is IOperation ? table.Without(key) : table;
            state.Conditions = table.Without(target).With(target, moved);
            return;
        }

        state.Conditions = table.Without(target);
    }

    private static bool IsBoolConstant(IOperation source) =>
        LockPaths.Unwrap(source).ConstantValue is { HasValue: true, Value: bool };
}
