using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// The transfer's one job for <c>[GuardedBy]</c>: at a read or write of a guarded field or
/// property, the lock that must be held there, in this method's terms, handed to the sink. The
/// check itself is TSL1010's, over the recorded event.
/// </summary>
internal sealed class GuardedAccesses
{
    private readonly IMethodSymbol _method;
    private readonly LockModel _model;
    private readonly LockPaths _paths;

    public GuardedAccesses(IMethodSymbol method, LockModel model, LockPaths paths)
    {
        _method = method;
        _model = model;
        _paths = paths;
    }

    /// <summary>Records <paramref name="operation"/> if it reads or writes a guarded member outside its exemptions.</summary>
    public void Note(IOperation operation, FlowPoint point)
    {
        (ISymbol? member, IOperation? instance) = operation switch
        {
            IFieldReferenceOperation field => ((ISymbol)field.Field, field.Instance),
            IPropertyReferenceOperation property => (property.Property, property.Instance),
            _ => (null, null),
        };

        if (member is null || _model.GetGuard(member) is not { } guard || IsBeingConstructed(member, instance)
            || IsInObjectInitializer(operation))
        {
            return;
        }

        point.Events.GuardedAccess(operation, member, Required(guard, member, instance), point);
    }

    /// <summary>The lock <paramref name="guard"/> names for this access: the lock member of the same object.</summary>
    private RequiredLock Required(Guard guard, ISymbol member, IOperation? instance)
    {
        if (guard is not Guard.OfMember { LockMember: var lockMember })
        {
            return new RequiredLock(guard.Kind, null, new LockName.AnyOf(guard.Kind));
        }

        // An instance member guarded by an instance lock needs the receiver's path; a static
        // lock is one path everywhere.
        LockPath? path = lockMember.IsStatic
            ? LockPath.FromRoot(lockMember)
            : member.IsStatic || instance is null ? null : _paths.PathOf(instance)?.Append(lockMember);
        return new RequiredLock(guard.Kind, path, LockName.For(guard.Kind, path, new LockName.OfMember(guard.Kind, lockMember.Name)));
    }

    /// <summary>
    /// <c>new Vm { Name = n }</c> and <c>with { Name = n }</c> set a member of an object nobody else
    /// sees yet: part of its construction. (In the graph the receiver is a flow capture, so the
    /// syntax says it.)
    /// </summary>
    private static bool IsInObjectInitializer(IOperation operation) =>
        operation.Syntax.Parent is AssignmentExpressionSyntax { Parent: InitializerExpressionSyntax initializer } assignment
        && assignment.Left == operation.Syntax
        && (initializer.IsKind(SyntaxKind.ObjectInitializerExpression) || initializer.IsKind(SyntaxKind.WithInitializerExpression));

    /// <summary>
    /// Nobody else sees an object before its constructor returns, nor a type's statics before its
    /// static constructor does: a constructor touching its own object's (or type's) state is exempt.
    /// Lambdas and local functions inside it are not: they may run later.
    /// </summary>
    private bool IsBeingConstructed(ISymbol member, IOperation? instance) => _method.MethodKind switch
    {
        MethodKind.Constructor => !member.IsStatic && instance is IInstanceReferenceOperation,
        MethodKind.StaticConstructor => member.IsStatic
            && SymbolEqualityComparer.Default.Equals(member.ContainingType, _method.ContainingType),
        _ => false,
    };
}
