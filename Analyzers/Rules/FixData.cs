using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Toolstack.Analyzers.Flow;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Rules;

/// <summary>Builds the <see cref="FixProperties"/> of a diagnostic from what the engine found.</summary>
internal static class FixData
{
    /// <summary>What a fix needs to know about <paramref name="acquisition"/>, the lock the diagnostic is about.</summary>
    public static ImmutableDictionary<string, string?> About(Acquisition acquisition)
    {
        ImmutableDictionary<string, string?>.Builder properties = ImmutableDictionary.CreateBuilder<string, string?>();
        if (acquisition.Kind is { Source: LockKindSource.LockObject })
        {
            // No fix rewrites a lock statement or a Monitor pair yet: without properties, none is offered.
            return properties.ToImmutable();
        }

        if (acquisition.Kind is { } kind)
        {
            properties[FixProperties.LockType] = MetadataName(kind.Type);
            properties[FixProperties.LockLevel] = kind.Level.ToString(CultureInfo.InvariantCulture);
        }

        if (acquisition.Path is { } path)
        {
            properties[FixProperties.LockPath] = path.ToString();
        }

        if (acquisition.Site is { } site)
        {
            if (Receiver(site) is { } receiver)
            {
                properties[FixProperties.LockReceiver] = receiver.Syntax.ToString();
            }

            (string? siteKind, string? handle, bool awaited) = Shape(site.Syntax);
            Add(properties, FixProperties.LockSite, siteKind);
            Add(properties, FixProperties.LockHandle, handle);
            properties[FixProperties.LockBlocks] = Flag(acquisition.Blocks);
            properties[FixProperties.LockAwaited] = Flag(awaited);
        }

        return properties.ToImmutable();
    }

    /// <summary>TSL1001: the held lock, and the out-of-order acquisition at <paramref name="taking"/>.</summary>
    public static ImmutableDictionary<string, string?> OutOfOrder(Acquisition held, LockEvent taking, LockKind takingKind)
    {
        // Only an acquisition has a site to swap; a helper that takes the lock inside has none.
        (string? siteKind, string? handle, bool _) = taking.Kind == LockEventKind.Acquire ? Shape(taking.Operation.Syntax) : default;
        ImmutableDictionary<string, string?> properties = About(held)
            .SetItem(FixProperties.TakenLevel, takingKind.Level.ToString(CultureInfo.InvariantCulture))
            .SetItem(FixProperties.TakenForbidsBlocking, Flag(takingKind.ForbidsBlocking))
            .SetItem(FixProperties.TakenSlow, Flag(takingKind.IsSlow));
        properties = siteKind is null ? properties : properties.SetItem(FixProperties.TakenSite, siteKind);
        return handle is null ? properties : properties.SetItem(FixProperties.TakenHandle, handle);
    }

    /// <summary>TSL1002, TSL1004: the lock to give up around <paramref name="call"/>, and whether taking it back is in order.</summary>
    public static ImmutableDictionary<string, string?> AroundCall(Acquisition held, LockEvent call)
    {
        bool inOrder = call.Held.All(other => other.Acquisition.Index == held.Index
            || (other.Acquisition.Kind is { } kind && held.Kind is { } own && kind.Level < own.Level));
        return About(held).SetItem(FixProperties.RetakeInOrder, Flag(inOrder));
    }

    private static string MetadataName(INamedTypeSymbol type) => type.ContainingType is { } outer
        ? MetadataName(outer) + "+" + type.MetadataName
        : type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + type.MetadataName : type.MetadataName;

    private static IOperation? Receiver(IOperation site) => site switch
    {
        IInvocationOperation invocation => invocation.Instance,
        IPropertyReferenceOperation property => property.Instance,
        _ => null,
    };

    /// <summary>The statement shape the acquiring call at <paramref name="call"/> sits in, its handle local, and whether it awaits.</summary>
    private static (string? Kind, string? Handle, bool Awaited) Shape(SyntaxNode call)
    {
        SyntaxNode value = call is ExpressionSyntax expression ? CallValue.ValueOf(expression) : call;
        bool awaited = call.Ancestors().TakeWhile(node => node != value.Parent).OfType<AwaitExpressionSyntax>().Any()
            || value.Ancestors().Any(node => node is LocalDeclarationStatementSyntax { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword }
                or UsingStatementSyntax { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword });
        (string? Kind, string? Handle) shape = ShapeOf(value);
        return (shape.Kind, shape.Handle, awaited);
    }

    private static (string? Kind, string? Handle) ShapeOf(SyntaxNode value)
    {
        switch (value.Parent)
        {
            case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }
                when declarator.Parent is VariableDeclarationSyntax { Variables.Count: 1 } declaration:
                string handle = declarator.Identifier.ValueText;
                return declaration.Parent switch
                {
                    LocalDeclarationStatementSyntax { IsConst: false } statement => (
                        statement.UsingKeyword.IsKind(SyntaxKind.UsingKeyword)
                            ? FixProperties.SiteKinds.UsingDeclaration
                            : FixProperties.SiteKinds.LocalDeclaration,
                        handle),
                    UsingStatementSyntax => (FixProperties.SiteKinds.UsingStatement, handle),
                    _ => (null, null),
                };

            case AssignmentExpressionSyntax { Parent: ExpressionStatementSyntax, Left: IdentifierNameSyntax local } assignment
                when assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) && assignment.Right == value:
                return (FixProperties.SiteKinds.Assignment, local.Identifier.ValueText);

            case UsingStatementSyntax usingStatement when usingStatement.Expression == value:
                return (FixProperties.SiteKinds.UsingStatement, null);

            case ExpressionStatementSyntax:
                return (FixProperties.SiteKinds.ExpressionStatement, null);

            default:
                return (null, null);
        }
    }

    /// <summary>A yes/no property's value: <see cref="FixProperties.True"/> or <see cref="FixProperties.False"/>.</summary>
    private static string Flag(bool value) => value ? FixProperties.True : FixProperties.False;

    private static void Add(ImmutableDictionary<string, string?>.Builder properties, string key, string? value)
    {
        if (value is not null)
        {
            properties[key] = value;
        }
    }
}
