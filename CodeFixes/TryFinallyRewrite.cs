namespace Toolstack.CodeFixes;

/// <summary>
/// TSL1005/TSL1009, the second rewrite: when later statements of the block must run without the
/// lock, the statements between acquisition and the one release go in <c>try { … }</c> and the
/// release in its <c>finally</c>.
/// </summary>
internal static class TryFinallyRewrite
{
    private const string Title = "Release the lock in a finally block";

    /// <summary>The try/finally around the statements up to the single release, a direct statement of the block.</summary>
    public static FixAction? Plan(FixContext context, BlockSyntax block, LocalDeclarationStatementSyntax declaration,
        IReadOnlyList<StatementSyntax> releases, string equivalenceKey)
    {
        if (releases.Count != 1 || releases[0].Parent != block
            || TryFinally(block, declaration, releases[0], context.Model, context.CancellationToken) is not { } fixedBlock)
        {
            return null;
        }

        return new FixAction(Title, equivalenceKey, root => root.ReplaceNode(block, fixedBlock));
    }

    /// <summary>
    /// <c>LockHandle h = x.Lock(); try { …statements up to the release… } finally { release }</c>, or null
    /// when moving those statements into a try block would change what later statements see.
    /// </summary>
    private static BlockSyntax? TryFinally(BlockSyntax block, LocalDeclarationStatementSyntax declaration,
        StatementSyntax release, SemanticModel model, CancellationToken ct)
    {
        int start = block.Statements.IndexOf(declaration) + 1;
        int end = block.Statements.IndexOf(release);
        if (end <= start)
        {
            return null;
        }

        List<StatementSyntax> wrapped = block.Statements.Skip(start).Take(end - start).ToList();
        if (wrapped.Any(s => s is LabeledStatementSyntax or LocalFunctionStatementSyntax
                || s is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: not 0 })
            || wrapped.Concat(new[] { release }).Any(s => s.DescendantTrivia().Any(t => t.IsDirective))
            || release.GetLeadingTrivia().Any(t => t.IsDirective))
        {
            return null;
        }

        // A local declared by the moved statements would go out of scope for what follows.
        var declared = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (SyntaxNode node in wrapped.SelectMany(s => s.DescendantNodes()))
        {
            if (node is VariableDeclaratorSyntax or SingleVariableDesignationSyntax
                && model.GetDeclaredSymbol(node, ct) is { } symbol)
            {
                declared.Add(symbol);
            }
        }

        foreach (IdentifierNameSyntax name in block.Statements.Skip(end).SelectMany(s => s.DescendantNodes()).OfType<IdentifierNameSyntax>())
        {
            if (model.GetSymbolInfo(name, ct).Symbol is { } used && declared.Contains(used))
            {
                return null;
            }
        }

        TryStatementSyntax tryStatement = StatementEditing.WrapInTryFinally(wrapped, release);

        var statements = new List<StatementSyntax>(block.Statements.Take(start)) { tryStatement };
        statements.AddRange(block.Statements.Skip(end + 1));
        return block.WithStatements(SyntaxFactory.List(statements));
    }
}
