using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// A <c>lock</c> statement on a <c>System.Threading.Lock</c> whose control-flow graph lost its lowering.
/// Roslyn 4.9+ lowers it to <c>EnterScope()</c> and a finally calling the scope's <c>Dispose()</c>, but its
/// graph builder checks the lock type against <c>Lock.Scope</c>'s containing type with
/// <c>SymbolEqualityComparer.ConsiderEverything</c>: where nullable annotations are enabled the locked
/// value's type is annotated, the check fails, and the graph holds an invalid operation over the lock
/// object followed by the body, with no try/finally and no call (the fallback added in
/// dotnet/roslyn#71987, ControlFlowGraphBuilder.VisitLock). Here such a statement is read as the
/// lowering meant: the lock is taken at the invalid operation and released by the first operation
/// outside the statement's body — falling off its end, a branch out (the next operation run is
/// outside), a handler or finally reached by an exception, or the graph's exit.
/// </summary>
internal sealed class LockStatementScopes
{
    private readonly ControlFlowGraph _graph;
    private readonly BclLockEffects _bcl;

    // Acquisition index → the span of its lock statement's body: where it is held.
    private readonly Dictionary<int, TextSpan> _bodies = new Dictionary<int, TextSpan>();
    private Dictionary<SyntaxNode, ILockOperation>? _byLockedValue;

    public LockStatementScopes(ControlFlowGraph graph, BclLockEffects bcl)
    {
        _graph = graph;
        _bcl = bcl;
    }

    /// <summary>
    /// <paramref name="invalid"/> as the lost lowering of a <c>lock</c> statement's entry: acquires its lock
    /// and returns true, or false when it is no such thing (any other invalid code stays unread).
    /// </summary>
    public bool TryEnter(IInvalidOperation invalid, FlowPoint point)
    {
        if (invalid.ChildOperations.Count != 1 || LockStatementOf(invalid.Syntax) is not { } statement)
        {
            return false;
        }

        IOperation? lockObject = null;
        foreach (IOperation child in invalid.ChildOperations)
        {
            lockObject = child;
        }

        if (_bcl.AcquireScope(invalid, lockObject!, point) is not int acquisition)
        {
            return false;
        }

        _bodies[acquisition] = statement.Body.Syntax.Span;
        return true;
    }

    /// <summary>
    /// Before <paramref name="operation"/> runs: the scopes whose body it is outside of have ended. Only the
    /// status changes, no release event: the statement releases on every path, as its finally would, so
    /// there is no explicit release for TSL1003/1006/1009 to judge.
    /// </summary>
    public void Before(IOperation operation, LockState state)
    {
        if (_bodies.Count == 0)
        {
            return;
        }

        TextSpan at = operation.Syntax.Span;
        foreach (KeyValuePair<int, TextSpan> body in _bodies)
        {
            if (state.MayBeHeld(body.Key) && !body.Value.Contains(at))
            {
                state.SetStatus(body.Key, LockStatus.Released);
            }
        }
    }

    /// <summary>Control leaves the graph: every such scope still open ends.</summary>
    public LockState AtExit(LockState state)
    {
        if (_bodies.Count == 0)
        {
            return state;
        }

        LockState after = state.Clone();
        foreach (int acquisition in _bodies.Keys)
        {
            if (after.MayBeHeld(acquisition))
            {
                after.SetStatus(acquisition, LockStatus.Released);
            }
        }

        return after;
    }

    private ILockOperation? LockStatementOf(SyntaxNode lockedValue)
    {
        if (_byLockedValue is null)
        {
            // Built once per graph, only when an invalid operation is met: the graph keeps no lock statement.
            _byLockedValue = new Dictionary<SyntaxNode, ILockOperation>();
            foreach (IOperation operation in _graph.OriginalOperation.DescendantsAndSelf())
            {
                if (operation is ILockOperation statement)
                {
                    _byLockedValue[statement.LockedValue.Syntax] = statement;
                }
            }
        }

        return _byLockedValue.TryGetValue(lockedValue, out ILockOperation? found) ? found : null;
    }
}
