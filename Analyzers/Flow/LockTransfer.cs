using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// The lock analysis's transfer of operations: which handle each variable holds, which handles
/// escape (returned, stored, captured), and the calls, handed to <see cref="CallEffects"/>.
/// </summary>
internal sealed class LockTransfer : IFlowTransfer<LockState, EventSink>
{
    private readonly ControlFlowGraph _graph;
    private readonly LockAnalysisContext _context;
    private readonly AcquisitionTable _acquisitions;
    private readonly LockPaths _paths;
    private readonly CallEffects _calls;
    private readonly NullRefinement _nulls;
    private readonly TrackableBools _bools;
    private readonly GuardedAccesses _guarded;

    public LockTransfer(ControlFlowGraph graph, LockAnalysisContext context, AcquisitionTable acquisitions, LockPaths paths,
        CallEffects calls)
    {
        _graph = graph;
        _context = context;
        _acquisitions = acquisitions;
        _paths = paths;
        _calls = calls;
        _nulls = new NullRefinement(paths);
        _bools = new TrackableBools(graph, paths.Method);
        _guarded = new GuardedAccesses(paths.Method, context.Model, paths);
        Scopes = new LockStatementScopes(graph, calls.Bcl);
    }

    /// <summary>The <c>lock</c> statements whose lowering the graph lost (see <see cref="LockStatementScopes"/>).</summary>
    public LockStatementScopes Scopes { get; }

    public void Operation(IOperation operation, BasicBlock block, LockState state, EventSink sink)
    {
        var point = new FlowPoint(state, block.EnclosingRegion, sink);
        Scopes.Before(operation, state);
        Visit(operation, point);

        // A try-lock's result not stored by the statement is gone: only its acquisition's "may be held" stays.
        if (!state.Conditions.IsEmpty)
        {
            state.Conditions = state.Conditions.WithoutTransient();
        }
    }

    public void BranchValue(BasicBlock block, LockState state, EventSink sink)
    {
        var point = new FlowPoint(state, block.EnclosingRegion, sink);
        Scopes.Before(block.BranchValue!, state);
        HandleValue? value = Visit(block.BranchValue!, point);
        if (block.FallThroughSuccessor?.Semantics == ControlFlowBranchSemantics.Return && value is not null)
        {
            _acquisitions.Return(value);
            _acquisitions.Escape(value, state);
        }
    }

    public (bool Conditional, bool FallThrough) Split(BasicBlock block, LockState whenConditional, LockState otherwise)
    {
        (bool conditional, bool fallThrough) = _nulls.Split(block, whenConditional, otherwise);
        (bool byCondition, bool otherwiseByCondition) = ConditionRefinement.Split(block, whenConditional, otherwise, _bools);

        // A BCL acquisition's flag (TryEnter's result, the lock statement's lockTaken) tested.
        (bool flagConditional, bool flagFallThrough) = _calls.Bcl.Flags.Split(block, whenConditional, otherwise);
        return (conditional && byCondition && flagConditional, fallThrough && otherwiseByCondition && flagFallThrough);
    }

    public void LeaveRegion(ControlFlowRegion region, LockState state)
    {
        // Variables and captures of the regions left are dead: dropping them keeps states small.
        foreach (CaptureId capture in region.CaptureIds)
        {
            state.SetSlot(capture, null);
            state.Conditions = state.Conditions.Without(capture);
        }

        foreach (ILocalSymbol local in region.Locals)
        {
            state.SetSlot(local, null);
            state.Conditions = state.Conditions.Without(local);
        }
    }

    private HandleValue? Visit(IOperation operation, FlowPoint point)
    {
        LockState state = point.State;
        if (operation is IFieldReferenceOperation or IPropertyReferenceOperation)
        {
            _guarded.Note(operation, point);
        }
        switch (operation)
        {
            case IInvocationOperation invocation:
            {
                HandleValue? receiver = invocation.Instance is null ? null : Visit(invocation.Instance, point);
                return _calls.Apply(new CallSite(invocation, invocation.TargetMethod, invocation.Instance, receiver,
                    invocation.Arguments, VisitArguments(invocation.Arguments, point)), point);
            }

            case IObjectCreationOperation creation:
            {
                ImmutableArray<HandleValue?> arguments = VisitArguments(creation.Arguments, point);
                if (creation.Initializer is not null)
                {
                    Visit(creation.Initializer, point);
                }

                return creation.Constructor is null
                    ? null
                    : _calls.Apply(new CallSite(creation, creation.Constructor, null, null, creation.Arguments, arguments), point);
            }

            case IPropertyReferenceOperation property:
            {
                HandleValue? receiver = property.Instance is null ? null : Visit(property.Instance, point);
                return _calls.Apply(new CallSite(property, property.Property, property.Instance, receiver,
                    property.Arguments, VisitArguments(property.Arguments, point)), point);
            }

            case IAwaitOperation awaiting:
            {
                HandleValue? awaited = Visit(awaiting.Operation, point);
                point.Events.Await(awaiting, point);
                return awaited;
            }

            case ISimpleAssignmentOperation assignment:
            {
                HandleValue? value = Visit(assignment.Value, point);
                Assign(assignment.Target, value, assignment.Value, point);
                return value;
            }

            case IFlowCaptureOperation capture:
            {
                HandleValue? value = Visit(capture.Value, point);
                state.SetSlot(capture.Id, value ?? NullIfNullConstant(capture.Value));
                _paths.NoteCapture(capture);
                if (capture.Value.Type?.SpecialType == SpecialType.System_Boolean)
                {
                    ConditionAssignments.Assign(state, capture.Id, CaptureLabel(capture, state), capture.Value, _bools);
                }

                return null;
            }

            case IFlowCaptureReferenceOperation captured:
                return state.Slot(captured.Id);

            case ILocalReferenceOperation local:
                return state.Slot(local.Local);

            case IParameterReferenceOperation parameter:
                return _acquisitions.HandleParameter(parameter.Parameter) is { } handle ? HandleValue.Of(handle.Index) : null;

            case IConversionOperation conversion:
                return Visit(conversion.Operand, point);

            case IFlowAnonymousFunctionOperation lambda:
                EscapeCapturedHandles(lambda, state);
                return null;

            case IInvalidOperation invalid when Scopes.TryEnter(invalid, point):
                return null;

            case IReturnOperation { ReturnedValue: { } returned }:
                // Only inside lambdas' own graphs; method returns are branch values.
                _acquisitions.Escape(Visit(returned, point), state);
                return null;

            default:
                foreach (IOperation child in operation.ChildOperations)
                {
                    Visit(child, point);
                }

                return null;
        }
    }

    private ImmutableArray<HandleValue?> VisitArguments(ImmutableArray<IArgumentOperation> arguments, FlowPoint point)
    {
        var values = ImmutableArray.CreateBuilder<HandleValue?>(arguments.Length);
        foreach (IArgumentOperation argument in arguments)
        {
            values.Add(Visit(argument.Value, point));
        }

        return values.MoveToImmutable();
    }

    private static HandleValue? NullIfNullConstant(IOperation value) =>
        NullRefinement.IsNullConstant(value) || LockPaths.Unwrap(value) is IDefaultValueOperation ? HandleValue.Null : null;

    private void Assign(IOperation target, HandleValue? value, IOperation source, FlowPoint point)
    {
        if (ConditionAssignments.TrackedTarget(target, _bools) is { } tracked)
        {
            ConditionAssignments.Assign(point.State, tracked, ConditionRefinement.LabelOf(tracked), source, _bools);
        }

        switch (target)
        {
            case ILocalReferenceOperation local:
                point.State.SetSlot(local.Local, value ?? NullIfNullConstant(source));
                return;
            case IFieldReferenceOperation field:
                if (field.Instance is not null)
                {
                    Visit(field.Instance, point);
                }

                _guarded.Note(field, point);

                break;
            default:
                // A property setter runs (and may take locks) before the value is stored.
                Visit(target, point);
                break;
        }

        // Stored outside the method's locals: someone else's to release.
        _acquisitions.Escape(value, point.State);
    }

    /// <summary>A capture carries the name of what it copies (a try-lock's text, a variable's name).</summary>
    private string CaptureLabel(IFlowCaptureOperation capture, LockState state) =>
        ConditionRefinement.TryGetKey(capture.Value, state.Conditions, _bools, out object? key, out _) && state.Conditions.Find(key!) is { } known
            ? known.Label
            : capture.Value.Syntax.ToString();

    private void EscapeCapturedHandles(IFlowAnonymousFunctionOperation lambda, LockState state)
    {
        ControlFlowGraph body = _graph.GetAnonymousFunctionControlFlowGraphInScope(lambda, _context.CancellationToken);
        foreach (BasicBlock block in body.Blocks)
        {
            foreach (IOperation root in block.Operations.Concat(block.BranchValue is null ? Enumerable.Empty<IOperation>() : new[] { block.BranchValue }))
            {
                foreach (IOperation operation in root.DescendantsAndSelf())
                {
                    if (operation is ILocalReferenceOperation local)
                    {
                        _acquisitions.Escape(state.Slot(local.Local), state);
                    }
                }
            }
        }
    }
}
