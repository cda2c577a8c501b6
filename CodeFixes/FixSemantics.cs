using Toolstack.Analyzers.Model;

namespace Toolstack.CodeFixes;

/// <summary>
/// What the fixes ask of symbols: a call's lock contract (through the shared <see cref="LockModel"/>,
/// never by a type's or attribute's name) for the edit's own checks, and what statements declare
/// and refer to. What the analysis found (held locks, levels, sites) comes from the diagnostic.
/// </summary>
internal static class FixSemantics
{
    /// <summary>What the attributes of the method a call binds to say; null when it binds to none.</summary>
    public static MemberContract? ContractOf(InvocationExpressionSyntax call, SemanticModel model, LockModel lockModel, CancellationToken ct) =>
        model.GetSymbolInfo(call, ct).Symbol is IMethodSymbol method ? ContractOf(method, lockModel) : null;

    public static MemberContract ContractOf(IMethodSymbol method, LockModel lockModel) =>
        lockModel.GetContract(method.ReducedFrom ?? method.OriginalDefinition);

    /// <summary>Whether <paramref name="method"/> releases a lock (<c>[ReleasesLock]</c>).</summary>
    public static bool IsRelease(IMethodSymbol method, LockModel lockModel) => !ContractOf(method, lockModel).Releases.IsEmpty;

    /// <summary>The lock types a member's attributes name as acquired or released.</summary>
    public static IEnumerable<ITypeSymbol> LockTypesOf(IEnumerable<LockEffect> effects) =>
        effects.Select(effect => effect.Kind?.Type).OfType<ITypeSymbol>();

    /// <summary>Whether any call in <paramref name="node"/> takes or releases a lock, by its attributes.</summary>
    public static bool TakesOrReleasesLocks(SyntaxNode node, SemanticModel model, LockModel lockModel, CancellationToken ct) =>
        node.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>().Any(call =>
            ContractOf(call, model, lockModel, ct) is { } contract && (!contract.Acquires.IsEmpty || !contract.Releases.IsEmpty));

    /// <summary>Whether a <c>using</c> can hold a <paramref name="type"/>: it is or implements <c>IDisposable</c>.</summary>
    public static bool IsDisposable(ITypeSymbol type, Compilation compilation) =>
        Implements(type, compilation.GetSpecialType(SpecialType.System_IDisposable));

    /// <summary>Whether an <c>await using</c> can hold a <paramref name="type"/>: it is or implements <c>IAsyncDisposable</c>.</summary>
    public static bool IsAsyncDisposable(ITypeSymbol type, Compilation compilation) =>
        Implements(type, compilation.GetTypeByMetadataName("System.IAsyncDisposable"));

    private static bool Implements(ITypeSymbol type, ITypeSymbol? interfaceType) =>
        interfaceType is not null
        && (SymbolEqualityComparer.Default.Equals(type, interfaceType)
            || type.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i, interfaceType)));

    // ---- declarations and references --------------------------------------------------------

    /// <summary>Every local, local function and label declared in <paramref name="nodes"/>.</summary>
    public static HashSet<ISymbol> DeclaredIn(IEnumerable<SyntaxNode> nodes, SemanticModel model, CancellationToken ct)
    {
        var declared = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (SyntaxNode inner in nodes.SelectMany(node => node.DescendantNodesAndSelf()))
        {
            ISymbol? symbol = inner switch
            {
                VariableDeclaratorSyntax or SingleVariableDesignationSyntax or LocalFunctionStatementSyntax
                    or ForEachStatementSyntax or CatchDeclarationSyntax or LabeledStatementSyntax
                    => model.GetDeclaredSymbol(inner, ct),
                _ => null,
            };
            if (symbol is not null)
            {
                declared.Add(symbol);
            }
        }

        return declared;
    }

    /// <summary>Whether a name in <paramref name="nodes"/> refers to one of <paramref name="symbols"/>.</summary>
    public static bool Refers(IEnumerable<SyntaxNode> nodes, ICollection<ISymbol> symbols, SemanticModel model, CancellationToken ct) =>
        symbols.Count > 0
        && nodes.SelectMany(node => node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            .Any(name => model.GetSymbolInfo(name, ct).Symbol is { } symbol && symbols.Contains(symbol));

    /// <summary>The names in <paramref name="scope"/> that refer to <paramref name="symbol"/>.</summary>
    public static IEnumerable<IdentifierNameSyntax> ReferencesTo(ISymbol symbol, SyntaxNode scope, SemanticModel model, CancellationToken ct) =>
        scope.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
            .Where(name => name.Identifier.ValueText == symbol.Name
                && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, ct).Symbol, symbol));

    /// <summary>Whether <paramref name="symbol"/> is written anywhere in <paramref name="scope"/> (its declaration aside).</summary>
    public static bool IsAssigned(ISymbol symbol, SyntaxNode scope, SemanticModel model, CancellationToken ct)
    {
        foreach (IdentifierNameSyntax name in ReferencesTo(symbol, scope, model, ct))
        {
            SyntaxNode target = name.Parent is MemberAccessExpressionSyntax access && access.Name == name ? access : name;
            switch (target.Parent)
            {
                case AssignmentExpressionSyntax assignment when assignment.Left == target:
                case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression }:
                case PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression or (int)SyntaxKind.PostDecrementExpression }:
                case ArgumentSyntax { RefKindKeyword.RawKind: not 0 }:
                case RefExpressionSyntax:
                    return true;
            }
        }

        return false;
    }

    /// <summary><paramref name="node"/> with every name that refers to <paramref name="symbol"/> renamed.</summary>
    public static TNode Rename<TNode>(TNode node, ISymbol symbol, string newName, SemanticModel model, CancellationToken ct)
        where TNode : SyntaxNode =>
        node.ReplaceNodes(ReferencesTo(symbol, node, model, ct), (original, _) =>
            SyntaxFactory.IdentifierName(SyntaxFactory.Identifier(original.Identifier.LeadingTrivia, newName,
                original.Identifier.TrailingTrivia)));
}
