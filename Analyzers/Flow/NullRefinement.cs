using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// Narrows handle variables on the two sides of a null test (<c>if (h is null)</c>,
/// <c>h?.Dispose()</c>): null on one side means the acquisitions it might hold did not happen.
/// </summary>
internal sealed class NullRefinement
{
    private readonly LockPaths _paths;

    public NullRefinement(LockPaths paths)
    {
        _paths = paths;
    }

    /// <summary>
    /// Narrows the states of a conditional branch's two successors; which of them can happen.
    /// </summary>
    public (bool Conditional, bool FallThrough) Split(BasicBlock block, LockState whenConditional, LockState otherwise)
    {
        if (block.BranchValue is null || !TryGetNullTest(block.BranchValue, out object? slot, out bool trueMeansNull))
        {
            return (true, true);
        }

        bool conditionalMeansNull = block.ConditionKind == ControlFlowConditionKind.WhenTrue ? trueMeansNull : !trueMeansNull;
        return (Refine(whenConditional, slot!, conditionalMeansNull), Refine(otherwise, slot!, !conditionalMeansNull));
    }

    public static bool IsNullConstant(IOperation operation) =>
        LockPaths.Unwrap(operation).ConstantValue is { HasValue: true, Value: null };

    private static bool TryGetNullTest(IOperation condition, out object? slot, out bool trueMeansNull)
    {
        slot = null;
        trueMeansNull = true;
        switch (condition)
        {
            case IIsNullOperation isNull:
                slot = SlotOf(isNull.Operand);
                trueMeansNull = true;
                break;
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } binary:
                if (IsNullConstant(binary.RightOperand))
                {
                    slot = SlotOf(binary.LeftOperand);
                }
                else if (IsNullConstant(binary.LeftOperand))
                {
                    slot = SlotOf(binary.RightOperand);
                }

                trueMeansNull = binary.OperatorKind == BinaryOperatorKind.Equals;
                break;
            case IIsPatternOperation { Pattern: IConstantPatternOperation constant } isPattern when IsNullConstant(constant.Value):
                slot = SlotOf(isPattern.Value);
                trueMeansNull = true;
                break;
            case IIsPatternOperation { Pattern: INegatedPatternOperation { Pattern: IConstantPatternOperation constant } } isNotPattern
                when IsNullConstant(constant.Value):
                slot = SlotOf(isNotPattern.Value);
                trueMeansNull = false;
                break;
        }

        return slot is not null;
    }

    private static object? SlotOf(IOperation operation) => LockPaths.Unwrap(operation) switch
    {
        ILocalReferenceOperation local => local.Local,
        IFlowCaptureReferenceOperation capture => capture.Id,
        _ => null,
    };

    /// <summary>Narrows a handle variable on one side of a null test; false if that side cannot happen.</summary>
    private bool Refine(LockState state, object slot, bool isNull)
    {
        bool feasible = RefineSlot(state, slot, isNull);
        if (slot is CaptureId id && _paths.CapturedLocal(id) is { } local)
        {
            feasible &= RefineSlot(state, local, isNull);
        }

        return feasible;
    }

    private static bool RefineSlot(LockState state, object slot, bool isNull)
    {
        HandleValue? value = state.Slot(slot);
        if (value is null)
        {
            return true;
        }

        if (!isNull)
        {
            state.SetSlot(slot, value.AsNonNull());
            return true;
        }

        if (!value.MayBeNull)
        {
            return false;
        }

        // Null here means the acquisitions it might hold did not happen on this path.
        foreach (int acquisition in value.Acquisitions)
        {
            state.MarkNotTaken(acquisition);
        }

        state.SetSlot(slot, HandleValue.Null);
        return true;
    }
}
