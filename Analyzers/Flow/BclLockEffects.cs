using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// The adapter from the BCL lock primitives (<see cref="BclLocks"/>) to the engine's acquire and
/// release events: <c>Monitor.Enter</c>/<c>Exit</c> (and so every <c>lock</c> statement, which the
/// graph lowers to them), <c>Lock.Enter</c>/<c>Exit</c>/<c>EnterScope</c>, and a marked
/// <c>SemaphoreSlim</c>'s <c>Wait</c>/<c>WaitAsync</c>/<c>Release</c>. The lock is named by the
/// field or property holding the object.
/// </summary>
internal sealed class BclLockEffects
{
    private readonly LockAnalysisContext _context;
    private readonly AcquisitionTable _acquisitions;
    private readonly LockPaths _paths;

    public BclLockEffects(LockAnalysisContext context, AcquisitionTable acquisitions, LockPaths paths)
    {
        _context = context;
        _acquisitions = acquisitions;
        _paths = paths;
    }

    /// <summary>The bool results and <c>ref bool</c> flags of the acquisitions made here, for the branches that test them.</summary>
    public TakenFlagRefinement Flags { get; } = new TakenFlagRefinement();

    /// <summary>
    /// The field or property a lock object is read from, as the code says it (no flow needed):
    /// what the relevance scan and the kind lookup go by.
    /// </summary>
    public static ISymbol? HolderOf(IOperation lockObject) => LockPaths.Unwrap(lockObject) switch
    {
        IFieldReferenceOperation field => field.Field,
        IPropertyReferenceOperation { Arguments.IsEmpty: true } property => property.Property,
        _ => null,
    };

    /// <summary>Applies <paramref name="call"/> if it is a lock primitive; false leaves it to the ordinary call effects.</summary>
    public bool TryApply(CallSite call, FlowPoint point, out HandleValue? result)
    {
        result = null;
        if (_context.Model.BclLocks.Find(call.Callee) is not { } member)
        {
            return false;
        }

        if (member.Operation == BclLockOperation.ExitScope)
        {
            Events(call, point);
            if (call.Receiver is { } scope)
            {
                Release(call, scope.Acquisitions, Releaser.Handle, point);
            }

            return true;
        }

        IOperation? lockObject = member.LockObject == BclLockObject.Receiver
            ? call.Instance
            : call.Arguments.IsEmpty ? null : call.Arguments[0].Value;
        if (lockObject is null)
        {
            return false;
        }

        LockPath? path = _paths.PathOf(lockObject);
        if (_context.Model.BclLocks.KindOf(member, Holder(lockObject, path)) is not { } kind)
        {
            // An unmarked SemaphoreSlim: a plain call (its Wait still blocks).
            return false;
        }

        Events(call, point);
        LockName name = LockName.For(kind, path, new LockName.OfExpression(kind, lockObject.Syntax));
        if (member.Operation == BclLockOperation.Release)
        {
            Release(call, _acquisitions.HeldMatching(kind, path, point.State), new Releaser(kind, path, name, ByHandle: false), point);
            return true;
        }

        result = Acquire(call, kind, path, name, member.Operation == BclLockOperation.EnterScope, point);
        return true;
    }

    /// <summary>
    /// A <c>lock</c> statement on <paramref name="lockObject"/> whose graph has no <c>EnterScope</c> call
    /// (<see cref="LockStatementScopes"/>): acquires its lock at <paramref name="site"/>, as that call
    /// would; the acquisition's index, or null when the object is no scoped lock primitive.
    /// </summary>
    public int? AcquireScope(IOperation site, IOperation lockObject, FlowPoint point)
    {
        if (lockObject.Type is not { } type || _context.Model.BclLocks.EnterScopeOf(type) is not { } member)
        {
            return null;
        }

        LockPath? path = _paths.PathOf(lockObject);
        if (_context.Model.BclLocks.KindOf(member, Holder(lockObject, path)) is not { } kind)
        {
            return null;
        }

        LockName name = LockName.For(kind, path, new LockName.OfExpression(kind, lockObject.Syntax));
        Acquisition acquisition = _acquisitions.Existing(site, 0)
            ?? _acquisitions.AtSite(site, 0, kind, path, name, viaSummary: false, hasHandle: true, blocks: false);
        point.Events.Acquire(site, acquisition, point);
        point.State.SetStatus(acquisition.Index, LockStatus.Held);
        return acquisition.Index;
    }

    private HandleValue? Acquire(CallSite call, LockKind kind, LockPath? path, LockName name, bool returnsScope, FlowPoint point)
    {
        Acquisition acquisition = _acquisitions.Existing(call.Operation, 0)
            ?? _acquisitions.AtSite(call.Operation, 0, kind, path, name, viaSummary: false, hasHandle: returnsScope,
                blocks: call.Contract.IsBlocking);
        point.Events.Acquire(call.Operation, acquisition, point);
        point.State.SetStatus(acquisition.Index, LockStatus.Held);
        HandleValue handle = HandleValue.Of(acquisition.Index);

        // Monitor.Enter(gate, ref taken), the lock statement's lowering: `taken` says whether it was taken.
        foreach (IArgumentOperation argument in call.Arguments)
        {
            if (argument.Parameter is { RefKind: RefKind.Ref, Type.SpecialType: SpecialType.System_Boolean }
                && LockPaths.Unwrap(argument.Value) is ILocalReferenceOperation flag)
            {
                Flags.NoteFlag(acquisition.Index);
                point.State.SetSlot(flag.Local, handle);
            }
        }

        if (call.Callee is not IMethodSymbol method)
        {
            return null;
        }

        // TryEnter, Wait(timeout): the bool result says whether; WaitAsync's task is the acquisition's.
        if (IsBool(method.ReturnType) || method.ReturnType is INamedTypeSymbol { TypeArguments.Length: 1 } task && IsBool(task.TypeArguments[0]))
        {
            Flags.NoteSite(call.Operation, acquisition.Index);
            return handle;
        }

        return returnsScope || !method.ReturnsVoid ? handle : null;
    }

    private static bool IsBool(ITypeSymbol type) => type.SpecialType == SpecialType.System_Boolean;

    private static ISymbol? Holder(IOperation lockObject, LockPath? path)
    {
        if (path is null)
        {
            return HolderOf(lockObject);
        }

        return path.Members.IsEmpty ? path.Root as IFieldSymbol ?? (ISymbol?)(path.Root as IPropertySymbol) : path.Members[path.Members.Length - 1];
    }

    private static void Events(CallSite call, FlowPoint point)
    {
        if (call.Contract.IsEmpty)
        {
            point.Events.PlainCall(call, point);
        }
        else
        {
            point.Events.Call(call, point);
        }
    }

    private static void Release(CallSite call, ImmutableSortedSet<int> acquisitions, Releaser releaser, FlowPoint point)
    {
        point.Events.Release(call.Operation, acquisitions, releaser, point);
        foreach (int index in acquisitions)
        {
            point.State.SetStatus(index, LockStatus.Released);
        }
    }
}
