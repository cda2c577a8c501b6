using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// Narrows the two sides of a test of a BCL acquisition's flag: <c>if (Monitor.TryEnter(gate))</c>,
/// <c>if (await sem.WaitAsync(t))</c>, a <c>bool</c> local holding such a result, and the
/// <c>lockTaken</c> of <c>Monitor.Enter(gate, ref lockTaken)</c> (the <c>lock</c> statement's
/// <c>finally</c> tests it): where the flag is false, the acquisition did not happen.
/// </summary>
internal sealed class TakenFlagRefinement
{
    private readonly HashSet<int> _flagged = new HashSet<int>();
    private readonly Dictionary<IOperation, int> _sites = new Dictionary<IOperation, int>();

    /// <summary>A bool variable may hold whether <paramref name="acquisition"/> happened.</summary>
    public void NoteFlag(int acquisition) => _flagged.Add(acquisition);

    /// <summary>The call at <paramref name="site"/> returns whether <paramref name="acquisition"/> happened.</summary>
    public void NoteSite(IOperation site, int acquisition)
    {
        _flagged.Add(acquisition);
        _sites[site] = acquisition;
    }

    /// <summary>Narrows a conditional branch's two successors; both stay feasible.</summary>
    public (bool Conditional, bool FallThrough) Split(BasicBlock block, LockState whenConditional, LockState otherwise)
    {
        if (_flagged.Count == 0 || block.BranchValue is null)
        {
            return (true, true);
        }

        LockState whenFalse = block.ConditionKind == ControlFlowConditionKind.WhenTrue ? otherwise : whenConditional;
        IOperation condition = LockPaths.Unwrap(block.BranchValue);
        if (condition is IAwaitOperation awaiting)
        {
            condition = LockPaths.Unwrap(awaiting.Operation);
        }

        if (_sites.TryGetValue(condition, out int site))
        {
            whenFalse.MarkNotTaken(site);
            return (true, true);
        }

        object? slot = condition switch
        {
            ILocalReferenceOperation { Type.SpecialType: SpecialType.System_Boolean } local => local.Local,
            IFlowCaptureReferenceOperation { Type.SpecialType: SpecialType.System_Boolean } capture => capture.Id,
            _ => null,
        };
        if (slot is not null && whenFalse.Slot(slot) is { } value)
        {
            foreach (int acquisition in value.Acquisitions)
            {
                if (_flagged.Contains(acquisition))
                {
                    whenFalse.MarkNotTaken(acquisition);
                }
            }

            whenFalse.SetSlot(slot, null);
        }

        return (true, true);
    }
}
