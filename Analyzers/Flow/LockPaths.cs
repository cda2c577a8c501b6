using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// Which lock an expression names, in one method: symbol paths, locals that alias a path
/// (written once), and what each flow capture stands for.
/// </summary>
internal sealed class LockPaths
{
    private const int MaxDepth = 16;

    private readonly IMethodSymbol _method;
    private readonly Dictionary<CaptureId, LockPath?> _capturePaths = new Dictionary<CaptureId, LockPath?>();
    private readonly Dictionary<CaptureId, ILocalSymbol> _captureLocals = new Dictionary<CaptureId, ILocalSymbol>();
    private readonly Dictionary<ILocalSymbol, IOperation?> _singleWrites =
        new Dictionary<ILocalSymbol, IOperation?>(SymbolEqualityComparer.Default);
    private readonly Dictionary<ILocalSymbol, LockPath?> _aliases =
        new Dictionary<ILocalSymbol, LockPath?>(SymbolEqualityComparer.Default);

    public LockPaths(ControlFlowGraph graph, IMethodSymbol method)
    {
        _method = method;
        CountLocalWrites(graph);
    }

    /// <summary>The method (or lambda, or local function) whose graph this is.</summary>
    public IMethodSymbol Method => _method;

    /// <summary>A flow capture stands for its value's path, and for the local it copies.</summary>
    public void NoteCapture(IFlowCaptureOperation capture)
    {
        _capturePaths[capture.Id] = PathOf(capture.Value);
        if (Unwrap(capture.Value) is ILocalReferenceOperation local)
        {
            _captureLocals[capture.Id] = local.Local;
        }
    }

    /// <summary>The local a capture copies, so that a null test of the copy narrows the local too.</summary>
    public ILocalSymbol? CapturedLocal(CaptureId capture) =>
        _captureLocals.TryGetValue(capture, out ILocalSymbol? local) ? local : null;

    /// <summary>The symbol path of <paramref name="operation"/>, or null when it is not one.</summary>
    public LockPath? PathOf(IOperation operation) => PathOf(operation, 0);

    /// <summary>Where a lock an attribute of this method names is, in this method's own terms.</summary>
    public LockPath? TargetInOwnTerms(LockTarget target, LockKind kind)
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

        ISymbol? member = FieldOrProperty.Find(_method.ContainingType, target.Name!);
        return member is null ? null : member.IsStatic ? LockPath.FromRoot(member) : LockPath.This.Append(member);
    }

    public static bool IsOrDerivesFrom(ITypeSymbol? type, ITypeSymbol baseType)
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

    /// <summary>The operation under implicit and other non-user-defined conversions.</summary>
    public static IOperation Unwrap(IOperation operation)
    {
        while (operation is IConversionOperation { Conversion.IsUserDefined: false } conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    private LockPath? PathOf(IOperation operation, int depth)
    {
        if (depth > MaxDepth)
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

    private void CountLocalWrites(ControlFlowGraph graph)
    {
        foreach (BasicBlock block in graph.Blocks)
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
}
