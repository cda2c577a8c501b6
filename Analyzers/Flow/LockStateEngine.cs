using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// The one lock-state analysis: a forward data-flow over a method's control-flow graph, to a
/// fixed point, of which locks are held (on every path, or on some) and which handle each
/// variable holds. Each block is revisited only when its input grows, and the lattice is
/// finite and small, so the cost grows linearly with the method. A last pass records the
/// events the rules read.
/// </summary>
internal sealed class LockStateEngine
{
    private const int MaxDisplayLength = 40;

    private readonly ControlFlowGraph _graph;
    private readonly IMethodSymbol _method;
    private readonly LockAnalysisContext _context;
    private readonly LockModel _model;
    private readonly SummaryStack _stack;

    private readonly List<Acquisition> _acquisitions = new List<Acquisition>();
    private readonly Dictionary<(IOperation Site, int Effect), Acquisition> _bySite =
        new Dictionary<(IOperation, int), Acquisition>();
    private readonly Dictionary<IParameterSymbol, Acquisition> _handleParameters =
        new Dictionary<IParameterSymbol, Acquisition>(SymbolEqualityComparer.Default);
    private readonly Dictionary<CaptureId, LockPath?> _capturePaths = new Dictionary<CaptureId, LockPath?>();
    private readonly Dictionary<CaptureId, ILocalSymbol> _captureLocals = new Dictionary<CaptureId, ILocalSymbol>();
    private readonly Dictionary<ILocalSymbol, IOperation?> _singleWrites =
        new Dictionary<ILocalSymbol, IOperation?>(SymbolEqualityComparer.Default);
    private readonly Dictionary<ILocalSymbol, LockPath?> _aliases =
        new Dictionary<ILocalSymbol, LockPath?>(SymbolEqualityComparer.Default);
    private readonly HashSet<int> _escaped = new HashSet<int>();
    private readonly HashSet<int> _returned = new HashSet<int>();
    private readonly Dictionary<(ControlFlowRegion, LockState), LockState?> _finallyResults =
        new Dictionary<(ControlFlowRegion, LockState), LockState?>();

    private List<LockEvent>? _events;
    private List<ExitPath>? _exits;
    private ControlFlowRegion _currentRegion;

    private LockStateEngine(ControlFlowGraph graph, IMethodSymbol method, LockAnalysisContext context, SummaryStack stack)
    {
        _graph = graph;
        _method = method;
        _context = context;
        _model = context.Model;
        _stack = stack;
        _currentRegion = graph.Root;
    }

    public static MethodAnalysis Analyze(ControlFlowGraph graph, IMethodSymbol method, LockAnalysisContext context, SummaryStack stack)
    {
        var engine = new LockStateEngine(graph, method, context, stack);
        return engine.Run();
    }

    private MethodAnalysis Run()
    {
        CountLocalWrites();
        LockState entry = InitialState();

        // Fixed point first; then one recording pass over the final states.
        LockState?[] inputs = Solve(0, entry, 0, _graph.Blocks.Length - 1, onLeave: null);
        _events = new List<LockEvent>();
        _exits = new List<ExitPath>();
        Record(inputs, 0, _graph.Blocks.Length - 1, (branch, state, block) =>
        {
            (Location location, bool isReturn) = ExitLocation(block, branch);
            _exits.Add(new ExitPath(branch.Semantics, state, location, isReturn, block.EnclosingRegion));
        });

        return new MethodAnalysis(_method, _acquisitions.ToImmutableArray(), _events.ToImmutableArray(),
            _exits.ToImmutableArray(), _escaped.ToImmutableHashSet(), _returned.ToImmutableHashSet(),
            _context.Model.GetContract(_method));
    }

    private LockState InitialState()
    {
        var state = new LockState();
        Location where = _method.Locations.FirstOrDefault() ?? Location.None;

        foreach (LockEffect required in _model.GetContract(_method).RequiresLocks)
        {
            if (required.Kind is null)
            {
                continue;
            }

            LockPath? path = TargetPathInOwnTerms(required.Target, required.Kind);
            var acquisition = new Acquisition(_acquisitions.Count, AcquisitionOrigin.Required, required.Kind, path,
                Describe(required.Kind, path?.ToString() ?? required.Target.Name), site: null, where);
            _acquisitions.Add(acquisition);
            state.SetStatus(acquisition.Index, LockState.Held);
        }

        foreach (IParameterSymbol parameter in _method.Parameters)
        {
            if (_context.IsHandleType(parameter.Type))
            {
                var acquisition = new Acquisition(_acquisitions.Count, AcquisitionOrigin.Parameter, kind: null, path: null,
                    $"handle '{parameter.Name}'", site: null, parameter.Locations.FirstOrDefault() ?? where, parameter);
                _acquisitions.Add(acquisition);
                _handleParameters[parameter] = acquisition;
                state.SetStatus(acquisition.Index, LockState.Held);
            }
        }

        return state;
    }

    private LockPath? TargetPathInOwnTerms(LockTarget target, LockKind kind)
    {
        if (target.IsReceiver)
        {
            // `this` is the lock only on a member of the lock type itself; elsewhere, any lock of the kind.
            return !_method.IsStatic && IsOrDerivesFrom(_method.ContainingType, kind.Type) ? LockPath.This : null;
        }

        IParameterSymbol? parameter = _method.Parameters.FirstOrDefault(p => p.Name == target.Name);
        if (parameter is not null)
        {
            return LockPath.FromRoot(parameter);
        }

        ISymbol? member = FindMember(_method.ContainingType, target.Name!);
        return member is null ? null : member.IsStatic ? LockPath.FromRoot(member) : LockPath.This.Append(member);
    }

    // ---- the data-flow ----------------------------------------------------------------------

    private delegate void LeaveHandler(ControlFlowBranch branch, LockState state, BasicBlock from);

    /// <summary>Runs blocks <paramref name="first"/>..<paramref name="last"/> from <paramref name="entry"/> to a fixed point.</summary>
    private LockState?[] Solve(int entryOrdinal, LockState entry, int first, int last, LeaveHandler? onLeave)
    {
        var inputs = new LockState?[_graph.Blocks.Length];
        inputs[entryOrdinal] = entry;
        var pending = new SortedSet<int> { entryOrdinal };
        while (pending.Count > 0)
        {
            _context.CancellationToken.ThrowIfCancellationRequested();
            int ordinal = pending.Min;
            pending.Remove(ordinal);
            Transfer(_graph.Blocks[ordinal], inputs[ordinal]!, first, last, (target, state) =>
            {
                if (Merge(inputs, target, state))
                {
                    pending.Add(target);
                }
            }, onLeave);
        }

        return inputs;
    }

    private void Record(LockState?[] inputs, int first, int last, LeaveHandler onLeave)
    {
        for (int ordinal = first; ordinal <= last; ordinal++)
        {
            if (inputs[ordinal] is { } input)
            {
                Transfer(_graph.Blocks[ordinal], input, first, last, (_, _) => { }, onLeave);
            }
        }
    }

    private static bool Merge(LockState?[] inputs, int target, LockState state)
    {
        if (inputs[target] is null)
        {
            inputs[target] = state.Clone();
            return true;
        }

        return inputs[target]!.JoinWith(state);
    }

    private void Transfer(BasicBlock block, LockState input, int first, int last,
        System.Action<int, LockState> flowTo, LeaveHandler? onLeave)
    {
        ControlFlowRegion previousRegion = _currentRegion;
        _currentRegion = block.EnclosingRegion;
        LockState state = input.Clone();

        // An exception thrown by an operation reaches the catch handlers with the state before it.
        bool catches = HasCatchAbove(block, first, last);
        foreach (IOperation operation in block.Operations)
        {
            if (catches)
            {
                SeedHandlers(block, state, first, last, flowTo);
            }

            Visit(operation, state);
        }

        if (block.BranchValue is not null)
        {
            if (catches)
            {
                SeedHandlers(block, state, first, last, flowTo);
            }

            HandleValue? value = Visit(block.BranchValue, state);
            if (block.FallThroughSuccessor?.Semantics == ControlFlowBranchSemantics.Return && value is not null)
            {
                foreach (int acquisition in value.Acquisitions)
                {
                    _returned.Add(acquisition);
                }

                MarkEscaped(value, state);
            }
        }


        if (block.ConditionalSuccessor is { } conditional)
        {
            LockState whenConditional = state.Clone();
            LockState otherwise = state;
            bool conditionalFeasible = true;
            bool otherwiseFeasible = true;
            if (block.BranchValue is not null && TryGetNullTest(block.BranchValue, out object? slot, out bool trueMeansNull))
            {
                bool conditionalMeansNull = block.ConditionKind == ControlFlowConditionKind.WhenTrue ? trueMeansNull : !trueMeansNull;
                conditionalFeasible = Refine(whenConditional, slot!, conditionalMeansNull);
                otherwiseFeasible = Refine(otherwise, slot!, !conditionalMeansNull);
            }

            if (conditionalFeasible)
            {
                Follow(conditional, whenConditional, block, first, last, flowTo, onLeave);
            }

            if (otherwiseFeasible && block.FallThroughSuccessor is { } fallThrough)
            {
                Follow(fallThrough, otherwise, block, first, last, flowTo, onLeave);
            }
        }
        else if (block.FallThroughSuccessor is { } fallThrough)
        {
            Follow(fallThrough, state, block, first, last, flowTo, onLeave);
        }

        _currentRegion = previousRegion;
    }

    private void Follow(ControlFlowBranch branch, LockState state, BasicBlock from, int first, int last,
        System.Action<int, LockState> flowTo, LeaveHandler? onLeave)
    {
        LockState? current = state;
        foreach (ControlFlowRegion region in branch.FinallyRegions)
        {
            current = RunFinally(region, current);
            if (current is null)
            {
                return;
            }
        }

        // Variables and captures of the regions left are dead: dropping them keeps states small.
        foreach (ControlFlowRegion left in branch.LeavingRegions)
        {
            foreach (CaptureId capture in left.CaptureIds)
            {
                current.SetSlot(capture, null);
            }

            foreach (ILocalSymbol local in left.Locals)
            {
                current.SetSlot(local, null);
            }
        }

        BasicBlock? destination = branch.Destination;
        if (destination is null || destination.Kind == BasicBlockKind.Exit
            || destination.Ordinal < first || destination.Ordinal > last)
        {
            onLeave?.Invoke(branch, current, from);
            return;
        }

        flowTo(destination.Ordinal, current);
    }

    /// <summary>The state after a finally region entered with <paramref name="state"/>; null if it never completes.</summary>
    private LockState? RunFinally(ControlFlowRegion region, LockState state)
    {
        bool recording = _events is not null;
        if (!recording && _finallyResults.TryGetValue((region, state), out LockState? known))
        {
            return known?.Clone();
        }

        LockState? result = null;
        LeaveHandler collect = (branch, leaving, _) =>
        {
            if (branch.Destination is null && branch.Semantics == ControlFlowBranchSemantics.StructuredExceptionHandling)
            {
                if (result is null)
                {
                    result = leaving.Clone();
                }
                else
                {
                    result.JoinWith(leaving);
                }
            }
        };

        List<LockEvent>? events = _events;
        _events = null;
        LockState?[] inputs = Solve(region.FirstBlockOrdinal, state.Clone(), region.FirstBlockOrdinal, region.LastBlockOrdinal, collect);
        _events = events;
        if (recording)
        {
            result = null;
            Record(inputs, region.FirstBlockOrdinal, region.LastBlockOrdinal, collect);
        }
        else
        {
            _finallyResults[(region, state.Clone())] = result?.Clone();
        }

        return result;
    }

    /// <summary>
    /// An exception anywhere in a try block reaches its catch handlers — after the finally blocks
    /// (a <c>using</c>'s dispose among them) of every try it leaves on the way.
    /// </summary>
    private void SeedHandlers(BasicBlock block, LockState state, int first, int last,
        System.Action<int, LockState> flowTo)
    {
        // The exceptional path's finally runs are not events of their own: record none of them.
        List<LockEvent>? events = _events;
        _events = null;
        try
        {
            SeedHandlersCore(block, state.Clone(), first, last, flowTo);
        }
        finally
        {
            _events = events;
        }
    }

    private static bool HasCatchAbove(BasicBlock block, int first, int last)
    {
        for (ControlFlowRegion? region = block.EnclosingRegion; region is not null; region = region.EnclosingRegion)
        {
            if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion is { } tryAndHandlers)
            {
                foreach (ControlFlowRegion handler in tryAndHandlers.NestedRegions)
                {
                    if (handler.Kind is ControlFlowRegionKind.Catch or ControlFlowRegionKind.FilterAndHandler
                        && handler.FirstBlockOrdinal >= first && handler.LastBlockOrdinal <= last)
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private void SeedHandlersCore(BasicBlock block, LockState state, int first, int last,
        System.Action<int, LockState> flowTo)
    {
        LockState? current = state;
        for (ControlFlowRegion? region = block.EnclosingRegion; region is not null && current is not null; region = region.EnclosingRegion)
        {
            if (region.Kind != ControlFlowRegionKind.Try || region.EnclosingRegion is not { } tryAndHandlers)
            {
                continue;
            }

            foreach (ControlFlowRegion handler in tryAndHandlers.NestedRegions)
            {
                if (current is null)
                {
                    break;
                }

                if (handler.Kind is ControlFlowRegionKind.Catch or ControlFlowRegionKind.FilterAndHandler
                    && handler.FirstBlockOrdinal >= first && handler.LastBlockOrdinal <= last)
                {
                    flowTo(handler.FirstBlockOrdinal, current);
                }
                else if (handler.Kind == ControlFlowRegionKind.Finally)
                {
                    current = RunFinally(handler, current);
                }
            }
        }
    }

    // ---- null tests -------------------------------------------------------------------------

    private bool TryGetNullTest(IOperation condition, out object? slot, out bool trueMeansNull)
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

    private static bool IsNullConstant(IOperation operation) =>
        Unwrap(operation).ConstantValue is { HasValue: true, Value: null };

    private static object? SlotOf(IOperation operation) => Unwrap(operation) switch
    {
        ILocalReferenceOperation local => local.Local,
        IFlowCaptureReferenceOperation capture => capture.Id,
        _ => null,
    };

    /// <summary>Narrows a handle variable on one side of a null test; false if that side cannot happen.</summary>
    private bool Refine(LockState state, object slot, bool isNull)
    {
        bool feasible = RefineSlot(state, slot, isNull);
        if (slot is CaptureId id && _captureLocals.TryGetValue(id, out ILocalSymbol? local))
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

    // ---- operations -------------------------------------------------------------------------

    private HandleValue? Visit(IOperation operation, LockState state)
    {
        switch (operation)
        {
            case IInvocationOperation invocation:
            {
                HandleValue? receiver = invocation.Instance is null ? null : Visit(invocation.Instance, state);
                HandleValue?[] arguments = VisitArguments(invocation.Arguments, state);
                return Call(invocation, invocation.TargetMethod, invocation.Instance, receiver, invocation.Arguments, arguments, state);
            }

            case IObjectCreationOperation creation:
            {
                HandleValue?[] arguments = VisitArguments(creation.Arguments, state);
                if (creation.Initializer is not null)
                {
                    Visit(creation.Initializer, state);
                }

                return creation.Constructor is null
                    ? null
                    : Call(creation, creation.Constructor, null, null, creation.Arguments, arguments, state);
            }

            case IPropertyReferenceOperation property:
            {
                HandleValue? receiver = property.Instance is null ? null : Visit(property.Instance, state);
                HandleValue?[] arguments = VisitArguments(property.Arguments, state);
                return Call(property, property.Property, property.Instance, receiver, property.Arguments, arguments, state);
            }

            case IAwaitOperation awaiting:
            {
                HandleValue? awaited = Visit(awaiting.Operation, state);
                AddEvent(new LockEvent(LockEventKind.Await, awaiting, Snapshot(state), _currentRegion));
                return awaited;
            }

            case ISimpleAssignmentOperation assignment:
            {
                HandleValue? value = Visit(assignment.Value, state);
                Assign(assignment.Target, value, assignment.Value, state);
                return value;
            }

            case IFlowCaptureOperation capture:
            {
                HandleValue? value = Visit(capture.Value, state);
                state.SetSlot(capture.Id, value ?? NullIfNullConstant(capture.Value));
                _capturePaths[capture.Id] = PathOf(capture.Value);
                if (Unwrap(capture.Value) is ILocalReferenceOperation local)
                {
                    _captureLocals[capture.Id] = local.Local;
                }

                return null;
            }

            case IFlowCaptureReferenceOperation captured:
                return state.Slot(captured.Id);

            case ILocalReferenceOperation local:
                return state.Slot(local.Local);

            case IParameterReferenceOperation parameter:
                return _handleParameters.TryGetValue(parameter.Parameter, out Acquisition? handle)
                    ? HandleValue.Of(handle.Index)
                    : null;

            case IConversionOperation conversion:
                return Visit(conversion.Operand, state);

            case IFlowAnonymousFunctionOperation lambda:
                EscapeCapturedHandles(lambda, state);
                return null;

            case IReturnOperation { ReturnedValue: { } returned }:
            {
                // Only inside lambdas' own graphs; method returns are branch values.
                HandleValue? value = Visit(returned, state);
                MarkEscaped(value, state);
                return null;
            }

            default:
                foreach (IOperation child in operation.ChildOperations)
                {
                    Visit(child, state);
                }

                return null;
        }
    }

    private HandleValue?[] VisitArguments(ImmutableArray<IArgumentOperation> arguments, LockState state)
    {
        var values = new HandleValue?[arguments.Length];
        for (int i = 0; i < arguments.Length; i++)
        {
            values[i] = Visit(arguments[i].Value, state);
        }

        return values;
    }

    private static HandleValue? NullIfNullConstant(IOperation value) =>
        IsNullConstant(value) || Unwrap(value) is IDefaultValueOperation ? HandleValue.Null : null;

    private void Assign(IOperation target, HandleValue? value, IOperation source, LockState state)
    {
        switch (target)
        {
            case ILocalReferenceOperation local:
                state.SetSlot(local.Local, value ?? NullIfNullConstant(source));
                break;
            case IFieldReferenceOperation field:
                if (field.Instance is not null)
                {
                    Visit(field.Instance, state);
                }

                MarkEscaped(value, state);
                break;
            case IPropertyReferenceOperation property:
                Visit(property, state);
                MarkEscaped(value, state);
                break;
            default:
                Visit(target, state);
                MarkEscaped(value, state);
                break;
        }
    }

    private void MarkEscaped(HandleValue? value, LockState state)
    {
        if (value is null)
        {
            return;
        }

        foreach (int acquisition in value.Acquisitions)
        {
            _escaped.Add(acquisition);
            state.MarkEscaped(acquisition);
        }
    }

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
                        MarkEscaped(state.Slot(local.Local), state);
                    }
                }
            }
        }
    }

    // ---- calls ------------------------------------------------------------------------------

    private HandleValue? Call(IOperation operation, ISymbol callee, IOperation? instance, HandleValue? receiver,
        ImmutableArray<IArgumentOperation> arguments, HandleValue?[] argumentValues, LockState state)
    {
        MemberContract contract = ContractOf(callee, instance);
        // A property access runs its getter, or its setter when assigned: that body counts as a call's.
        IMethodSymbol? body = callee as IMethodSymbol
            ?? (IsAssignmentTarget(operation) ? (callee as IPropertySymbol)?.SetMethod : (callee as IPropertySymbol)?.GetMethod);

        // Attributes may sit on the accessor a property access runs rather than on the property.
        if (contract.IsEmpty && callee is IPropertySymbol && body is not null)
        {
            contract = _model.GetContract(body);
        }

        // A lock type's own members are what their attributes say; their bodies are the mechanism.
        MethodSummary? summary = body is null || _model.GetLockKind(body.ContainingType) is not null
            ? null
            : _context.GetSummary(body, _stack);
        if (contract.IsEmpty && (summary is null || IsInert(summary)))
        {
            if (receiver is not null && IsPassThrough(callee, instance))
            {
                return receiver;
            }

            // Still a point where an exception may leave a lock held (TSL1009): calls and indexers.
            if (_events is not null && (operation is not IPropertyReferenceOperation || callee is IPropertySymbol { IsIndexer: true })
                && AnyMayBeHeld(state))
            {
                AddEvent(new LockEvent(LockEventKind.Call, operation, Snapshot(state), _currentRegion) { Callee = callee });
            }

            EscapeArguments(argumentValues, state);
            return null;
        }

        AddEvent(new LockEvent(LockEventKind.Call, operation, Snapshot(state), _currentRegion)
        {
            Callee = callee,
            Contract = contract,
            Summary = summary,
            Required = _events is null ? ImmutableArray<RequiredLock>.Empty : ResolveRequired(contract, summary, callee, instance, arguments),
            TakenThrough = _events is null || summary is null
                ? ImmutableArray<SummaryTake>.Empty
                : RebaseTakes(summary, callee, instance, arguments),
        });

        var consumed = new bool[argumentValues.Length];
        foreach (LockEffect release in contract.Releases)
        {
            ReleaseByContract(operation, callee, release, instance, receiver, arguments, argumentValues, consumed, state);
        }

        if (contract.Releases.IsEmpty && summary is not null)
        {
            foreach (SummaryRelease release in summary.Releases)
            {
                ReleaseBySummary(operation, callee, release, instance, receiver, arguments, argumentValues, consumed, state);
            }
        }

        for (int i = 0; i < argumentValues.Length; i++)
        {
            if (!consumed[i])
            {
                MarkEscaped(argumentValues[i], state);
            }
        }

        HandleValue? result = null;
        if (!contract.Acquires.IsEmpty)
        {
            for (int effect = 0; effect < contract.Acquires.Length; effect++)
            {
                LockEffect acquire = contract.Acquires[effect];
                LockPath? path = ResolveTarget(acquire.Target, acquire.Kind!, callee, instance, arguments);
                string display = Describe(acquire.Kind!, path?.ToString() ?? TargetText(acquire.Target, acquire.Kind!, callee, instance, arguments));
                bool returnsHandle = effect == 0 && ReturnsHandle(callee);
                Acquisition acquisition = !returnsHandle && ReleasedEarlier(acquire.Kind!, path, state) is { } retaken
                    ? Retake(operation, retaken, state)
                    : Acquire(operation, effect, acquire.Kind!, path, display, state, viaSummary: false, returnsHandle);
                if (returnsHandle)
                {
                    result = HandleValue.Of(acquisition.Index);
                }
            }
        }
        else if (summary is not null)
        {
            for (int effect = 0; effect < summary.Acquires.Length; effect++)
            {
                SummaryAcquire acquire = summary.Acquires[effect];
                LockPath? path = acquire.Path?.Rebase(root => RootAtCall(root, callee, instance, arguments));
                Acquisition acquisition = Acquire(operation, effect, acquire.Kind,
                    path, Describe(acquire.Kind, path?.ToString() ?? callee.Name + "()"), state,
                    viaSummary: true, acquire.ReturnsHandle);
                if (acquire.ReturnsHandle)
                {
                    result = HandleValue.Of(acquisition.Index);
                }
            }
        }

        return result;
    }

    private ImmutableArray<RequiredLock> ResolveRequired(MemberContract contract, MethodSummary? summary, ISymbol callee,
        IOperation? instance, ImmutableArray<IArgumentOperation> arguments)
    {
        if (contract.RequiresLocks.IsEmpty && (summary is null || summary.RequiredLocks.IsEmpty))
        {
            return ImmutableArray<RequiredLock>.Empty;
        }

        var required = ImmutableArray.CreateBuilder<RequiredLock>();
        if (summary is not null)
        {
            foreach (RequiredLock needed in summary.RequiredLocks)
            {
                LockPath? path = needed.Path?.Rebase(root => RootAtCall(root, callee, instance, arguments));
                required.Add(new RequiredLock(needed.Kind, path, path is null ? needed.Display : Describe(needed.Kind, path.ToString())));
            }
        }

        foreach (LockEffect effect in contract.RequiresLocks)
        {
            LockPath? path = ResolveTarget(effect.Target, effect.Kind!, callee, instance, arguments);
            required.Add(new RequiredLock(effect.Kind!, effect.Target.IsReceiver && path is null ? null : path,
                Describe(effect.Kind!, path?.ToString() ?? TargetText(effect.Target, effect.Kind!, callee, instance, arguments))));
        }

        return required.ToImmutable();
    }

    private ImmutableArray<SummaryTake> RebaseTakes(MethodSummary summary, ISymbol callee, IOperation? instance,
        ImmutableArray<IArgumentOperation> arguments)
    {
        if (summary.Takes.IsEmpty)
        {
            return ImmutableArray<SummaryTake>.Empty;
        }

        var takes = ImmutableArray.CreateBuilder<SummaryTake>(summary.Takes.Length);
        string name = MethodAnalysis.CallName(callee);
        foreach (SummaryTake take in summary.Takes)
        {
            LockPath? path = take.Path?.Rebase(root => RootAtCall(root, callee, instance, arguments));
            string display = path is null ? take.Display : Describe(take.Kind, path.ToString());
            takes.Add(new SummaryTake(take.Kind, path, display, ImmutableArray.Create(name).AddRange(take.Chain)));
        }

        return takes.MoveToImmutable();
    }

    private bool AnyMayBeHeld(LockState state)
    {
        foreach (Acquisition acquisition in _acquisitions)
        {
            if (acquisition.Kind is not null && state.MayBeHeld(acquisition.Index))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsAssignmentTarget(IOperation operation) =>
        operation.Parent is IAssignmentOperation assignment && assignment.Target == operation;

    private static bool IsInert(MethodSummary summary) =>
        summary.Acquires.IsEmpty && summary.Releases.IsEmpty && summary.Takes.IsEmpty && summary.RequiredLocks.IsEmpty
        && !summary.IsBlocking
        && !summary.RequiresUnlocked;

    /// <summary>
    /// <c>ConfigureAwait</c> on an acquisition's task still yields its handle: the one standard
    /// API the flow of handles must see through.
    /// </summary>
    private static bool IsPassThrough(ISymbol callee, IOperation? instance) =>
        instance is not null && callee.Name == "ConfigureAwait" && callee.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks";

    private MemberContract ContractOf(ISymbol callee, IOperation? instance)
    {
        MemberContract contract = _model.GetContract(callee);
        if (contract.IsEmpty && instance is not null && callee.ContainingType?.TypeKind == TypeKind.Interface
            && Unwrap(instance).Type is { } receiverType
            && receiverType.FindImplementationForInterfaceMember(callee) is { } implementation)
        {
            contract = _model.GetContract(implementation);
        }

        return contract;
    }

    private Acquisition Acquire(IOperation site, int effect, LockKind kind, LockPath? path, string display, LockState state,
        bool viaSummary, bool hasHandle)
    {
        if (!_bySite.TryGetValue((site, effect), out Acquisition? acquisition))
        {
            acquisition = new Acquisition(_acquisitions.Count, AcquisitionOrigin.Call, kind, path, display, site,
                site.Syntax.GetLocation(), parameter: null, viaSummary, hasHandle);
            _acquisitions.Add(acquisition);
            _bySite[(site, effect)] = acquisition;
        }

        AddEvent(new LockEvent(LockEventKind.Acquire, site, Snapshot(state), _currentRegion) { Acquired = acquisition });
        state.SetStatus(acquisition.Index, LockState.Held);
        return acquisition;
    }

    /// <summary>
    /// A wrapper that re-takes a lock it names, without a handle (leaving a monitor), re-takes the
    /// acquisition a release by path gave up: the caller's handle is live again.
    /// </summary>
    private Acquisition? ReleasedEarlier(LockKind kind, LockPath? path, LockState state)
    {
        if (path is null)
        {
            return null;
        }

        for (int index = _acquisitions.Count - 1; index >= 0; index--)
        {
            Acquisition acquisition = _acquisitions[index];
            if (acquisition.Kind is { } held && SymbolEqualityComparer.Default.Equals(held.Type, kind.Type)
                && path.Equals(acquisition.Path) && state.StatusOf(index) == LockState.Released)
            {
                return acquisition;
            }
        }

        return null;
    }

    private Acquisition Retake(IOperation site, Acquisition acquisition, LockState state)
    {
        AddEvent(new LockEvent(LockEventKind.Acquire, site, Snapshot(state), _currentRegion) { Acquired = acquisition });
        state.SetStatus(acquisition.Index, LockState.Held);
        return acquisition;
    }

    private void ReleaseByContract(IOperation operation, ISymbol callee, LockEffect release, IOperation? instance,
        HandleValue? receiver, ImmutableArray<IArgumentOperation> arguments, HandleValue?[] argumentValues,
        bool[] consumed, LockState state)
    {
        if (release.Kind is null)
        {
            // [ReleasesLock] on the handle itself: the receiver is the handle released.
            if (receiver is not null)
            {
                Release(operation, receiver.Acquisitions, null, null, null, byHandle: true, state);
            }

            return;
        }

        LockPath? releaserPath = ResolveTarget(release.Target, release.Kind, callee, instance, arguments);
        string releaserDisplay = Describe(release.Kind, releaserPath?.ToString() ?? TargetText(release.Target, release.Kind, callee, instance, arguments));
        int handleArgument = HandleArgument(arguments, argumentValues);
        if (handleArgument >= 0)
        {
            consumed[handleArgument] = true;
            HandleValue? handle = argumentValues[handleArgument];
            Release(operation, handle?.Acquisitions ?? ImmutableSortedSet<int>.Empty, release.Kind, releaserPath,
                releaserDisplay, byHandle: true, state);
            return;
        }

        // A wrapper that releases a lock it names (entering a monitor releases the domain's lock).
        Release(operation, HeldMatching(release.Kind, releaserPath, state), release.Kind, releaserPath, releaserDisplay,
            byHandle: false, state);
    }

    private void ReleaseBySummary(IOperation operation, ISymbol callee, SummaryRelease release, IOperation? instance,
        HandleValue? receiver, ImmutableArray<IArgumentOperation> arguments, HandleValue?[] argumentValues,
        bool[] consumed, LockState state)
    {
        LockPath? releaserPath = release.Path?.Rebase(root => RootAtCall(root, callee, instance, arguments));
        string? releaserDisplay = release.Kind is null ? null : Describe(release.Kind, releaserPath?.ToString() ?? callee.Name + "()");
        if (release.HandleParameter is int ordinal)
        {
            for (int i = 0; i < arguments.Length; i++)
            {
                if (arguments[i].Parameter?.Ordinal == ordinal)
                {
                    consumed[i] = true;
                    if (argumentValues[i] is { } handle)
                    {
                        Release(operation, handle.Acquisitions, release.ThroughLock ? release.Kind : null,
                            releaserPath, releaserDisplay, byHandle: true, state);
                    }
                }
            }

            return;
        }

        if (release.Kind is not null)
        {
            Release(operation, HeldMatching(release.Kind, releaserPath, state), release.Kind, releaserPath,
                releaserDisplay, byHandle: false, state);
        }
    }

    private void Release(IOperation operation, ImmutableSortedSet<int> acquisitions, LockKind? releaserKind,
        LockPath? releaserPath, string? releaserDisplay, bool byHandle, LockState state)
    {
        var targets = ImmutableArray.CreateBuilder<(Acquisition, byte)>();
        foreach (int index in acquisitions)
        {
            targets.Add((_acquisitions[index], state.StatusOf(index)));
        }

        AddEvent(new LockEvent(LockEventKind.Release, operation, Snapshot(state), _currentRegion)
        {
            Targets = targets.ToImmutable(),
            ReleaserKind = releaserKind,
            ReleaserPath = releaserPath,
            ReleaserDisplay = releaserDisplay,
            ByHandle = byHandle,
        });

        foreach (int index in acquisitions)
        {
            // Through the wrong lock the release throws and the lock stays held (TSL1003 says so);
            // it is no longer this method's to leak, nor is a later right release a second one.
            if (IsWrongReleaser(_acquisitions[index], releaserKind, releaserPath))
            {
                _escaped.Add(index);
                state.MarkEscaped(index);
            }
            else
            {
                state.SetStatus(index, LockState.Released);
            }
        }
    }

    private static bool IsWrongReleaser(Acquisition acquisition, LockKind? releaserKind, LockPath? releaserPath) =>
        releaserKind is not null && acquisition.Kind is { } kind
        && (!SymbolEqualityComparer.Default.Equals(kind.Type, releaserKind.Type)
            || (acquisition.Path is not null && releaserPath is not null && !acquisition.Path.Equals(releaserPath)));

    /// <summary>
    /// The acquisition a release by lock path means: the latest held one of that lock; failing
    /// that, one already released for certain (so a second release can be reported).
    /// </summary>
    private ImmutableSortedSet<int> HeldMatching(LockKind kind, LockPath? path, LockState state)
    {
        int released = -1;
        for (int index = _acquisitions.Count - 1; index >= 0; index--)
        {
            Acquisition acquisition = _acquisitions[index];
            if (acquisition.Kind is not { } held || !SymbolEqualityComparer.Default.Equals(held.Type, kind.Type)
                || !(path is null || acquisition.Path is null || path.Equals(acquisition.Path)))
            {
                continue;
            }

            if (state.MayBeHeld(index))
            {
                return ImmutableSortedSet.Create(index);
            }

            if (released < 0 && state.StatusOf(index) == LockState.Released)
            {
                released = index;
            }
        }

        return released < 0 ? ImmutableSortedSet<int>.Empty : ImmutableSortedSet.Create(released);
    }

    private int HandleArgument(ImmutableArray<IArgumentOperation> arguments, HandleValue?[] values)
    {
        for (int i = 0; i < arguments.Length; i++)
        {
            if (values[i] is not null || (arguments[i].Parameter is { } parameter && _context.IsHandleType(parameter.Type)))
            {
                return i;
            }
        }

        return -1;
    }

    private void EscapeArguments(HandleValue?[] values, LockState state)
    {
        foreach (HandleValue? value in values)
        {
            MarkEscaped(value, state);
        }
    }

    private bool ReturnsHandle(ISymbol callee)
    {
        ITypeSymbol? type = callee switch
        {
            IMethodSymbol method => method.ReturnType,
            IPropertySymbol property => property.Type,
            _ => null,
        };

        if (type is null)
        {
            return false;
        }

        if (_context.IsHandleType(type))
        {
            return true;
        }

        // Task<LockHandle>, ValueTask<LockHandle>: the handle is what the await yields.
        return type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } generic
            && _context.IsHandleType(generic.TypeArguments[0]);
    }

    // ---- lock paths -------------------------------------------------------------------------

    private LockPath? ResolveTarget(LockTarget target, LockKind kind, ISymbol callee, IOperation? instance,
        ImmutableArray<IArgumentOperation> arguments)
    {
        if (target.IsReceiver)
        {
            return instance is null || !IsOrDerivesFrom(callee.ContainingType, kind.Type) ? null : PathOf(instance);
        }

        foreach (IArgumentOperation argument in arguments)
        {
            if (argument.Parameter?.Name == target.Name)
            {
                return PathOf(argument.Value);
            }
        }

        ISymbol? member = FindMember(callee.ContainingType, target.Name!);
        if (member is null)
        {
            return null;
        }

        if (member.IsStatic)
        {
            return LockPath.FromRoot(member);
        }

        return instance is null ? null : PathOf(instance)?.Append(member);
    }

    private LockPath? RootAtCall(ISymbol? root, ISymbol callee, IOperation? instance, ImmutableArray<IArgumentOperation> arguments)
    {
        if (root is null)
        {
            // A local function's `this` is its enclosing method's.
            if (instance is null && callee is IMethodSymbol { MethodKind: MethodKind.LocalFunction, IsStatic: false })
            {
                return LockPath.This;
            }

            return instance is null ? null : PathOf(instance);
        }

        // A local function's captured locals and enclosing parameters are the caller's own.
        if (root is ILocalSymbol || (root is IParameterSymbol captured && !BelongsTo(captured, callee)))
        {
            return LockPath.FromRoot(root);
        }

        if (root is IParameterSymbol parameter)
        {
            foreach (IArgumentOperation argument in arguments)
            {
                if (argument.Parameter is { } p && p.Ordinal == parameter.Ordinal
                    && SymbolEqualityComparer.Default.Equals(p.ContainingSymbol, parameter.ContainingSymbol))
                {
                    return PathOf(argument.Value);
                }
            }
        }

        return null;
    }

    private static bool BelongsTo(IParameterSymbol parameter, ISymbol callee)
    {
        ISymbol owner = parameter.ContainingSymbol.OriginalDefinition;
        return SymbolEqualityComparer.Default.Equals(owner, callee.OriginalDefinition)
            || (callee is IPropertySymbol property
                && (SymbolEqualityComparer.Default.Equals(owner, property.GetMethod?.OriginalDefinition)
                    || SymbolEqualityComparer.Default.Equals(owner, property.SetMethod?.OriginalDefinition)));
    }

    private static bool IsOrDerivesFrom(ITypeSymbol? type, ITypeSymbol baseType)
    {
        for (ITypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current, baseType))
            {
                return true;
            }
        }

        return false;
    }

    private static ISymbol? FindMember(ITypeSymbol? type, string name)
    {
        for (ITypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            foreach (ISymbol member in current.GetMembers(name))
            {
                if (member is IFieldSymbol or IPropertySymbol)
                {
                    return member;
                }
            }
        }

        return null;
    }

    /// <summary>The symbol path of <paramref name="operation"/>, or null when it is not one.</summary>
    private LockPath? PathOf(IOperation operation, int depth = 0)
    {
        if (depth > 16)
        {
            return null;
        }

        switch (Unwrap(operation))
        {
            case IParameterReferenceOperation parameter:
                return LockPath.FromRoot(parameter.Parameter);
            case IInstanceReferenceOperation:
                return LockPath.This;
            case ILocalReferenceOperation local:
                return AliasOf(local.Local, depth);
            case IFieldReferenceOperation field:
                return field.Field.IsStatic
                    ? LockPath.FromRoot(field.Field)
                    : field.Instance is null ? null : PathOf(field.Instance, depth + 1)?.Append(field.Field);
            case IPropertyReferenceOperation { Arguments.IsEmpty: true } property:
                return property.Property.IsStatic
                    ? LockPath.FromRoot(property.Property)
                    : property.Instance is null ? null : PathOf(property.Instance, depth + 1)?.Append(property.Property);
            case IFlowCaptureReferenceOperation capture:
                return _capturePaths.TryGetValue(capture.Id, out LockPath? path) ? path : null;
            default:
                return null;
        }
    }

    /// <summary>A local written once from a path is that path (<c>var same = domain;</c>); otherwise its own root.</summary>
    private LockPath? AliasOf(ILocalSymbol local, int depth)
    {
        if (_aliases.TryGetValue(local, out LockPath? known))
        {
            return known;
        }

        LockPath? path;
        if (!_singleWrites.TryGetValue(local, out IOperation? value))
        {
            // Never written here: a local of an enclosing method, captured.
            path = LockPath.FromRoot(local);
        }
        else if (value is null)
        {
            // Written more than once: it may be different locks at different times.
            path = null;
        }
        else
        {
            _aliases[local] = null;
            path = PathOf(value, depth + 1) ?? LockPath.FromRoot(local);
        }

        _aliases[local] = path;
        return path;
    }

    private void CountLocalWrites()
    {
        foreach (BasicBlock block in _graph.Blocks)
        {
            foreach (IOperation root in block.Operations)
            {
                foreach (IOperation operation in root.DescendantsAndSelf())
                {
                    switch (operation)
                    {
                        case ISimpleAssignmentOperation { Target: ILocalReferenceOperation local } assignment:
                            NoteWrite(local.Local, assignment.Value);
                            break;
                        case ILocalReferenceOperation local when IsWrittenInPlace(local):
                            NoteWrite(local.Local, null);
                            break;
                    }
                }
            }
        }
    }

    private static bool IsWrittenInPlace(ILocalReferenceOperation local) => local.Parent switch
    {
        ICompoundAssignmentOperation compound => compound.Target == local,
        IIncrementOrDecrementOperation => true,
        IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } => true,
        IDeconstructionAssignmentOperation => true,
        ITupleOperation { Parent: IDeconstructionAssignmentOperation } => true,
        IDeclarationExpressionOperation => true,
        _ => false,
    };

    private void NoteWrite(ILocalSymbol local, IOperation? value) =>
        _singleWrites[local] = _singleWrites.ContainsKey(local) ? null : value;

    private static IOperation Unwrap(IOperation operation)
    {
        while (operation is IConversionOperation { Conversion.IsUserDefined: false } conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    // ---- events -----------------------------------------------------------------------------

    private void AddEvent(LockEvent lockEvent) => _events?.Add(lockEvent);

    private ImmutableArray<HeldLock> Snapshot(LockState state)
    {
        if (_events is null)
        {
            return ImmutableArray<HeldLock>.Empty;
        }

        var held = ImmutableArray.CreateBuilder<HeldLock>();
        foreach (Acquisition acquisition in _acquisitions)
        {
            byte status = state.StatusOf(acquisition.Index);
            if (state.MayBeHeld(acquisition.Index))
            {
                held.Add(new HeldLock(acquisition, state.IsHeld(acquisition.Index)));
            }
        }

        return held.ToImmutable();
    }

    private static string Describe(LockKind kind, string? name) =>
        name is null ? kind.Name : $"{kind.Name} '{name}'";

    /// <summary>
    /// How a message names the lock an attribute means when it has no symbol path: the receiver
    /// (when it is the lock), the argument, or the member's name; null for "any lock of the kind".
    /// </summary>
    private static string? TargetText(LockTarget target, LockKind kind, ISymbol callee, IOperation? instance,
        ImmutableArray<IArgumentOperation> arguments)
    {
        if (!target.IsReceiver)
        {
            foreach (IArgumentOperation argument in arguments)
            {
                if (argument.Parameter?.Name == target.Name)
                {
                    return Shorten(argument.Value.Syntax.ToString());
                }
            }

            return target.Name;
        }

        return instance is null || !IsOrDerivesFrom(callee.ContainingType, kind.Type) ? null : Shorten(instance.Syntax.ToString());
    }

    private static string Shorten(string text) =>
        text.Length <= MaxDisplayLength ? text : text.Substring(0, MaxDisplayLength - 1) + "…";

    private (Location Location, bool IsReturn) ExitLocation(BasicBlock block, ControlFlowBranch branch)
    {
        if (branch.Semantics == ControlFlowBranchSemantics.Return && block.BranchValue?.Syntax.Parent is { } returned)
        {
            return (returned.GetLocation(), true);
        }

        if (block.BranchValue is not null && branch.Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow)
        {
            return ((block.BranchValue.Syntax.Parent ?? block.BranchValue.Syntax).GetLocation(), false);
        }

        IOperation? last = block.BranchValue ?? block.Operations.LastOrDefault();
        if (last is null)
        {
            return (_method.Locations.FirstOrDefault() ?? Location.None, false);
        }

        if (branch.Semantics == ControlFlowBranchSemantics.Regular && ValuelessReturnAfter(last) is { } valueless)
        {
            return (valueless.Syntax.GetLocation(), true);
        }

        // A conditional way out (a loop's condition): the statement it belongs to.
        SyntaxNode leaving = block.BranchValue is not null ? block.BranchValue.Syntax.Parent ?? last.Syntax : last.Syntax;
        return (leaving.GetLocation(), false);
    }

    private List<IReturnOperation>? _valuelessReturns;
    private List<int>? _operationStarts;

    /// <summary>
    /// A <c>return;</c> leaves no operation in the graph: it is the one that comes right after
    /// the block's last operation in the source, before any other operation of the method.
    /// </summary>
    private IReturnOperation? ValuelessReturnAfter(IOperation last)
    {
        if (_valuelessReturns is null || _operationStarts is null)
        {
            _valuelessReturns = new List<IReturnOperation>();
            foreach (IOperation operation in _graph.OriginalOperation.DescendantsAndSelf())
            {
                if (operation is IReturnOperation { ReturnedValue: null, Kind: OperationKind.Return } valueless
                    && OwnedByThisBody(valueless))
                {
                    _valuelessReturns.Add(valueless);
                }
            }

            _operationStarts = new List<int>();
            foreach (BasicBlock block in _graph.Blocks)
            {
                foreach (IOperation operation in block.Operations)
                {
                    _operationStarts.Add(operation.Syntax.SpanStart);
                }

                if (block.BranchValue is not null)
                {
                    _operationStarts.Add(block.BranchValue.Syntax.SpanStart);
                }
            }
        }

        int end = last.Syntax.Span.End;
        IReturnOperation? next = null;
        foreach (IReturnOperation candidate in _valuelessReturns)
        {
            int start = candidate.Syntax.SpanStart;
            if (start >= end && (next is null || start < next.Syntax.SpanStart))
            {
                next = candidate;
            }
        }

        if (next is null)
        {
            return null;
        }

        foreach (int start in _operationStarts)
        {
            if (start >= end && start < next.Syntax.SpanStart)
            {
                return null;
            }
        }

        return next;
    }

    /// <summary>Not inside a lambda or local function nested in the body.</summary>
    private bool OwnedByThisBody(IOperation operation)
    {
        for (IOperation? parent = operation.Parent; parent is not null && parent != _graph.OriginalOperation; parent = parent.Parent)
        {
            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return false;
            }
        }

        return true;
    }
}
