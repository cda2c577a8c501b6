using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// One pass over an operation tree (lambdas and local functions included) for <see cref="LockRelevance"/>:
/// does it hold a lock-relevant operation — a call with a contract, a lock type's member, a handle-typed
/// value, a <c>lock</c> statement, a member with a lock contract, a <c>[GuardedBy]</c> member — and which bodies of this compilation
/// does it call (the calls the control-flow graph will make, the implicit ones of <c>foreach</c> and
/// <c>using</c> included). It stops at the first relevant operation: then the callees do not matter.
/// </summary>
internal sealed class OperationScanner
{
    private readonly LockAnalysisContext _context;
    private readonly HashSet<IMethodSymbol> _callees = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
    private readonly Stack<IOperation> _pending = new Stack<IOperation>();
    private bool _direct;

    public OperationScanner(LockAnalysisContext context)
    {
        _context = context;
    }

    public OwnScan Result => _direct
        ? new OwnScan(true, ImmutableArray<IMethodSymbol>.Empty)
        : new OwnScan(false, ImmutableArray.CreateRange(_callees));

    /// <summary>The method's own attributes and handle parameters put locks in its initial state.</summary>
    public void Signature(IMethodSymbol method) => _direct |= SignatureIsRelevant(method);

    public void Scan(IOperation root)
    {
        _pending.Push(root);
        while (_pending.Count > 0 && !_direct)
        {
            IOperation operation = _pending.Pop();
            if (IsRelevant(operation))
            {
                _direct = true;
                break;
            }

            foreach (IOperation child in operation.ChildOperations)
            {
                _pending.Push(child);
            }
        }

        _pending.Clear();
    }

    private bool SignatureIsRelevant(IMethodSymbol method)
    {
        if (!_context.Model.GetContract(method).IsEmpty)
        {
            return true;
        }

        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (IsHandleLike(parameter.Type))
            {
                return true;
            }
        }

        return false;
    }

    private bool IsRelevant(IOperation operation)
    {
        if (operation.Type is { } type && IsHandleLike(type))
        {
            return true;
        }

        switch (operation)
        {
            case IInvocationOperation invocation:
                return IsRelevantCall(invocation, invocation.TargetMethod, invocation.Instance);
            case IObjectCreationOperation { Constructor: { } constructor } creation:
                return IsRelevantCall(creation, constructor, null);
            case IPropertyReferenceOperation property:
                return IsRelevantCall(property, property.Property, property.Instance);
            case ILockOperation:
                return true;
            case IFieldReferenceOperation field:
                return _context.Model.GetGuard(field.Field) is not null;
            case IAnonymousFunctionOperation lambda:
                return SignatureIsRelevant(lambda.Symbol);
            case ILocalFunctionOperation localFunction:
                return SignatureIsRelevant(localFunction.Symbol);
            case IForEachLoopOperation loop:
                return IsRelevantImplicitCalls(loop.Collection, "GetEnumerator", "GetAsyncEnumerator");
            case IUsingOperation @using:
                return IsRelevantImplicitCalls(@using.Resources, "Dispose", "DisposeAsync");
            case IUsingDeclarationOperation declaration:
                return IsRelevantImplicitCalls(declaration.DeclarationGroup, "Dispose", "DisposeAsync");
            default:
                return false;
        }
    }

    private bool IsRelevantCall(IOperation operation, ISymbol callee, IOperation? instance)
    {
        LockModel model = _context.Model;
        if (!model.GetContract(callee).IsEmpty
            || (callee.ContainingType is { } owner && model.GetLockKind(owner) is not null)
            || IsLockPrimitive(callee, instance)
            || model.GetGuard(callee) is not null)
        {
            return true;
        }

        IMethodSymbol? body = CallGraph.BodyOf(operation, callee);
        if (body is not null && callee is IPropertySymbol && !model.GetContract(body).IsEmpty)
        {
            return true;
        }

        // As CallEffects reads an interface call: the receiver's implementation may carry the contract.
        if (instance is not null && callee.ContainingType?.TypeKind == TypeKind.Interface
            && LockPaths.Unwrap(instance).Type is { } receiverType
            && receiverType.FindImplementationForInterfaceMember(callee) is { } implementation
            && !model.GetContract(implementation).IsEmpty)
        {
            return true;
        }

        if (body is not null && _context.SummaryBody(body) is { } summaryBody)
        {
            _callees.Add(summaryBody);
        }

        return false;
    }

    /// <summary>
    /// A BCL lock primitive's member; a <c>SemaphoreSlim</c>'s only when its field or property is marked
    /// (or the receiver is no field or property, which only the flow can resolve).
    /// </summary>
    private bool IsLockPrimitive(ISymbol callee, IOperation? instance)
    {
        BclLocks primitives = _context.Model.BclLocks;
        return primitives.Find(callee) is { } member
            && (!member.RequiresLevel || instance is null || BclLockEffects.HolderOf(instance) is not { } holder || primitives.Marked(holder));
    }

    /// <summary>
    /// The calls the graph makes for <c>foreach</c> and <c>using</c> do not appear in the tree: a
    /// source type's may have a summary (relevant, to be safe); a metadata type's only a contract.
    /// </summary>
    private bool IsRelevantImplicitCalls(IOperation value, string name, string asyncName)
    {
        ITypeSymbol? type = LockPaths.Unwrap(value).Type;
        if (value is IVariableDeclarationGroupOperation or IVariableDeclarationOperation)
        {
            type = null;
            foreach (IOperation declarator in value.DescendantsAndSelf())
            {
                if (declarator is IVariableDeclaratorOperation { Symbol.Type: { } declared } && Matters(declared, name, asyncName))
                {
                    return true;
                }
            }
        }

        return type is not null && Matters(type, name, asyncName);
    }

    private bool Matters(ITypeSymbol type, string name, string asyncName)
    {
        if (type.TypeKind == TypeKind.Dynamic)
        {
            return false;
        }

        if (!type.DeclaringSyntaxReferences.IsEmpty || type.TypeKind == TypeKind.TypeParameter)
        {
            return true;
        }

        foreach (ISymbol member in type.GetMembers())
        {
            if ((member.Name == name || member.Name == asyncName) && !_context.Model.GetContract(member).IsEmpty)
            {
                return true;
            }
        }

        return false;
    }

    // Most operations are of a special type (int, string, bool...) or an enum: no handle, and no lookup.
    private bool IsHandleLike(ITypeSymbol type) =>
        type.SpecialType == SpecialType.None && type.TypeKind is not (TypeKind.Enum or TypeKind.Array or TypeKind.Pointer)
        && IsHandleOrWrapsOne(type);

    private bool IsHandleOrWrapsOne(ITypeSymbol type) =>
        _context.IsHandleType(type)
        || (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } generic
            && _context.IsHandleType(generic.TypeArguments[0]));
}
