using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// The locks a call's attributes and its callee's summary name, rebased into the calling
/// method's terms: the callee's parameters and <c>this</c> become what the call passes.
/// </summary>
internal sealed class CallPaths
{
    private readonly LockPaths _paths;

    public CallPaths(LockPaths paths)
    {
        _paths = paths;
    }

    /// <summary>The method's own paths, which the calls are rebased into.</summary>
    public LockPaths Paths => _paths;

    /// <summary>The lock an attribute's target names at <paramref name="call"/>, or null when it has no path here.</summary>
    public LockPath? Resolve(LockTarget target, LockKind kind, CallSite call)
    {
        if (target.IsReceiver)
        {
            return call.Instance is null || !LockPaths.IsOrDerivesFrom(call.Callee.ContainingType, kind.Type)
                ? null
                : _paths.PathOf(call.Instance);
        }

        foreach (IArgumentOperation argument in call.Arguments)
        {
            if (argument.Parameter?.Name == target.Name)
            {
                return _paths.PathOf(argument.Value);
            }
        }

        ISymbol? member = FieldOrProperty.Find(call.Callee.ContainingType, target.Name!);
        if (member is null)
        {
            return null;
        }

        if (member.IsStatic)
        {
            return LockPath.FromRoot(member);
        }

        return call.Instance is null ? null : _paths.PathOf(call.Instance)?.Append(member);
    }

    /// <summary>A path of the callee's summary, as the caller sees it; null when it has no counterpart here.</summary>
    public LockPath? Rebase(LockPath? path, CallSite call) => path?.Rebase(root => RootAtCall(root, call));

    /// <summary>How diagnostics name the lock an attribute's target names at <paramref name="call"/>.</summary>
    public static LockName NameTarget(LockTarget target, LockKind kind, LockPath? path, CallSite call) =>
        LockName.For(kind, path, NameWithoutPath(target, kind, call));

    /// <summary>Call: the locks the member requires, resolved at this call.</summary>
    public ImmutableArray<RequiredLock> ResolveRequired(CallSite call)
    {
        MemberContract contract = call.Contract;
        MethodSummary? summary = call.Summary;
        if (contract.RequiresLocks.IsEmpty && (summary is null || summary.RequiredLocks.IsEmpty))
        {
            return ImmutableArray<RequiredLock>.Empty;
        }

        var required = ImmutableArray.CreateBuilder<RequiredLock>();
        if (summary is not null)
        {
            foreach (RequiredLock needed in summary.RequiredLocks)
            {
                LockPath? path = Rebase(needed.Path, call);
                required.Add(new RequiredLock(needed.Kind, path, LockName.For(needed.Kind, path, needed.Name)));
            }
        }

        foreach (LockEffect effect in contract.RequiresLocks)
        {
            LockPath? path = Resolve(effect.Target, effect.Kind!, call);
            required.Add(new RequiredLock(effect.Kind!, effect.Target.IsReceiver && path is null ? null : path,
                NameTarget(effect.Target, effect.Kind!, path, call)));
        }

        return required.ToImmutable();
    }

    /// <summary>Call: the locks the callee takes inside, in this method's terms, each with its chain from this call.</summary>
    public ImmutableArray<SummaryTake> RebaseTakes(CallSite call)
    {
        if (call.Summary is null || call.Summary.Takes.IsEmpty)
        {
            return ImmutableArray<SummaryTake>.Empty;
        }

        var takes = ImmutableArray.CreateBuilder<SummaryTake>(call.Summary.Takes.Length);
        foreach (SummaryTake take in call.Summary.Takes)
        {
            LockPath? path = Rebase(take.Path, call);
            takes.Add(new SummaryTake(take.Kind, path, LockName.For(take.Kind, path, take.Name), take.Chain.Through(call.Callee)));
        }

        return takes.MoveToImmutable();
    }

    private LockPath? RootAtCall(ISymbol? root, CallSite call)
    {
        if (root is null)
        {
            // A local function's `this` is its enclosing method's.
            if (call.Instance is null && call.Callee is IMethodSymbol { MethodKind: MethodKind.LocalFunction, IsStatic: false })
            {
                return LockPath.This;
            }

            return call.Instance is null ? null : _paths.PathOf(call.Instance);
        }

        // A local function's captured locals and enclosing parameters are the caller's own.
        if (root is ILocalSymbol || (root is IParameterSymbol captured && !BelongsTo(captured, call.Callee)))
        {
            return LockPath.FromRoot(root);
        }

        if (root is IParameterSymbol parameter)
        {
            foreach (IArgumentOperation argument in call.Arguments)
            {
                if (argument.Parameter is { } p && p.Ordinal == parameter.Ordinal
                    && SymbolEqualityComparer.Default.Equals(p.ContainingSymbol, parameter.ContainingSymbol))
                {
                    return _paths.PathOf(argument.Value);
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

    /// <summary>
    /// The lock an attribute means when it has no symbol path: the receiver (when it is the lock),
    /// the argument, or the member's name; any lock of the kind when the attribute names none.
    /// </summary>
    private static LockName NameWithoutPath(LockTarget target, LockKind kind, CallSite call)
    {
        if (!target.IsReceiver)
        {
            foreach (IArgumentOperation argument in call.Arguments)
            {
                if (argument.Parameter?.Name == target.Name)
                {
                    return new LockName.OfExpression(kind, argument.Value.Syntax);
                }
            }

            return target.Name is null ? new LockName.AnyOf(kind) : new LockName.OfMember(kind, target.Name);
        }

        return call.Instance is null || !LockPaths.IsOrDerivesFrom(call.Callee.ContainingType, kind.Type)
            ? new LockName.AnyOf(kind)
            : new LockName.OfExpression(kind, call.Instance.Syntax);
    }
}
