using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Text;
using Toolstack.Analyzers.Flow;
using Toolstack.Analyzers.Model;

namespace Toolstack.CodeFixes;

/// <summary>How an acquiring call's result is kept.</summary>
internal enum AcquisitionSiteKind
{
    /// <summary><c>LockHandle h = x.Lock();</c></summary>
    LocalDeclaration,

    /// <summary><c>using LockHandle h = x.Lock();</c></summary>
    UsingDeclaration,

    /// <summary><c>h = x.Lock();</c> for a local <c>h</c>.</summary>
    Assignment,

    /// <summary><c>using (LockHandle h = x.Lock()) …</c> or <c>using (x.Lock()) …</c></summary>
    UsingStatement,

    /// <summary><c>x.Lock();</c> as a statement of its own.</summary>
    ExpressionStatement,
}

/// <summary>The statement an acquiring call sits in, and the handle local it fills, if any.</summary>
internal sealed class AcquisitionSite
{
    public AcquisitionSite(AcquisitionSiteKind kind, StatementSyntax statement, ILocalSymbol? local)
    {
        Kind = kind;
        Statement = statement;
        Local = local;
    }

    public AcquisitionSiteKind Kind { get; }

    public StatementSyntax Statement { get; }

    public ILocalSymbol? Local { get; }
}

/// <summary>What the lock code fixes share: finding the diagnostic's nodes, symbols, trivia.</summary>
internal static class LockFixSupport
{
    /// <summary>The node a diagnostic (or its additional location) names.</summary>
    public static SyntaxNode? NodeAt(SyntaxNode root, Location location)
    {
        if (!location.IsInSource || location.SourceTree != root.SyntaxTree || !root.FullSpan.Contains(location.SourceSpan))
        {
            return null;
        }

        return root.FindNode(location.SourceSpan, getInnermostNodeForTie: true);
    }

    /// <summary>The acquisition of the held lock: the diagnostic's additional location, an invocation in this document.</summary>
    public static InvocationExpressionSyntax? HeldAcquisition(SyntaxNode root, Diagnostic diagnostic) =>
        diagnostic.AdditionalLocations.Count == 0 ? null : NodeAt(root, diagnostic.AdditionalLocations[0]) as InvocationExpressionSyntax;

    /// <summary>The statement containing <paramref name="node"/>; null when a lambda or local function lies between.</summary>
    public static StatementSyntax? EnclosingStatement(SyntaxNode node)
    {
        for (SyntaxNode? current = node; current is not null; current = current.Parent)
        {
            if (current is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
            {
                return null;
            }

            if (current is StatementSyntax statement)
            {
                return statement;
            }
        }

        return null;
    }

    /// <summary>Strips parentheses, <c>await</c> and <c>.ConfigureAwait(…)</c> upwards: the expression whose value is the call's.</summary>
    public static ExpressionSyntax ValueOf(ExpressionSyntax call)
    {
        ExpressionSyntax value = call;
        while (true)
        {
            switch (value.Parent)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                    value = parenthesized;
                    continue;
                case AwaitExpressionSyntax awaited:
                    value = awaited;
                    continue;
                case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } member
                    when member.Expression == value && member.Parent is InvocationExpressionSyntax configured:
                    value = configured;
                    continue;
                default:
                    return value;
            }
        }
    }

    /// <summary>Where the result of the acquiring call <paramref name="acquisition"/> goes; null for any other shape.</summary>
    public static AcquisitionSite? SiteOf(InvocationExpressionSyntax acquisition, SemanticModel model, CancellationToken ct)
    {
        ExpressionSyntax value = ValueOf(acquisition);
        switch (value.Parent)
        {
            case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }
                when declarator.Parent is VariableDeclarationSyntax { Variables.Count: 1 } declaration:
                if (model.GetDeclaredSymbol(declarator, ct) is not ILocalSymbol local)
                {
                    return null;
                }

                switch (declaration.Parent)
                {
                    case LocalDeclarationStatementSyntax statement when !statement.IsConst:
                        return new AcquisitionSite(
                            statement.UsingKeyword.IsKind(SyntaxKind.UsingKeyword)
                                ? AcquisitionSiteKind.UsingDeclaration
                                : AcquisitionSiteKind.LocalDeclaration,
                            statement, local);
                    case UsingStatementSyntax usingStatement:
                        return new AcquisitionSite(AcquisitionSiteKind.UsingStatement, usingStatement, local);
                    default:
                        return null;
                }

            case AssignmentExpressionSyntax { Parent: ExpressionStatementSyntax statement } assignment
                when assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) && assignment.Right == value:
                return model.GetSymbolInfo(assignment.Left, ct).Symbol is ILocalSymbol { IsRef: false, IsConst: false } assigned
                    ? new AcquisitionSite(AcquisitionSiteKind.Assignment, statement, assigned)
                    : null;

            case UsingStatementSyntax usingStatement when usingStatement.Expression == value:
                return new AcquisitionSite(AcquisitionSiteKind.UsingStatement, usingStatement, local: null);

            case ExpressionStatementSyntax statement:
                return new AcquisitionSite(AcquisitionSiteKind.ExpressionStatement, statement, local: null);

            default:
                return null;
        }
    }

    /// <summary>
    /// An expression that names the same object each time it is evaluated, as far as syntax can
    /// tell: names, <c>this</c>, member accesses on those, and <c>!</c>.
    /// </summary>
    public static bool IsStable(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax => true,
        ThisExpressionSyntax => true,
        ParenthesizedExpressionSyntax parenthesized => IsStable(parenthesized.Expression),
        PostfixUnaryExpressionSyntax suppressed when suppressed.IsKind(SyntaxKind.SuppressNullableWarningExpression) =>
            IsStable(suppressed.Operand),
        MemberAccessExpressionSyntax member when member.IsKind(SyntaxKind.SimpleMemberAccessExpression) =>
            member.Name is IdentifierNameSyntax && IsStable(member.Expression),
        _ => false,
    };

    /// <summary>The level of the lock a call acquires, by its <c>[AcquiresLock]</c>; null when its attributes do not say.</summary>
    public static int? AcquiredLevel(InvocationExpressionSyntax call, SemanticModel model, LockModel lockModel, CancellationToken ct) =>
        AcquiredKind(call, model, lockModel, ct)?.Level;

    /// <summary>The lock a call acquires, by its <c>[AcquiresLock]</c>; null when its attributes do not say.</summary>
    public static LockKind? AcquiredKind(InvocationExpressionSyntax call, SemanticModel model, LockModel lockModel, CancellationToken ct) =>
        ContractOf(call, model, lockModel, ct) is { Acquires.Length: 1 } contract ? contract.Acquires[0].Kind : null;

    /// <summary>Whether the call may block (<c>[Blocking]</c> or a listed blocking API).</summary>
    public static bool IsBlocking(InvocationExpressionSyntax call, SemanticModel model, LockModel lockModel, CancellationToken ct) =>
        ContractOf(call, model, lockModel, ct)?.IsBlocking == true;

    /// <summary>Whether any call in <paramref name="node"/> takes or releases a lock, by its attributes.</summary>
    public static bool TakesOrReleasesLocks(SyntaxNode node, SemanticModel model, LockModel lockModel, CancellationToken ct)
    {
        foreach (InvocationExpressionSyntax call in node.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>())
        {
            if (ContractOf(call, model, lockModel, ct) is { } contract
                && (!contract.Acquires.IsEmpty || !contract.Releases.IsEmpty))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What the attributes of the method a call binds to say; null when it binds to none.</summary>
    private static MemberContract? ContractOf(InvocationExpressionSyntax call, SemanticModel model, LockModel lockModel, CancellationToken ct) =>
        model.GetSymbolInfo(call, ct).Symbol is IMethodSymbol method
            ? lockModel.GetContract(method.ReducedFrom ?? method.OriginalDefinition)
            : null;

    // ---- symbols ----------------------------------------------------------------------------

    /// <summary>Every local, local function and label declared in <paramref name="nodes"/>.</summary>
    public static HashSet<ISymbol> DeclaredIn(IEnumerable<SyntaxNode> nodes, SemanticModel model, CancellationToken ct)
    {
        var declared = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (SyntaxNode node in nodes)
        {
            foreach (SyntaxNode inner in node.DescendantNodesAndSelf())
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
        }

        return declared;
    }

    /// <summary>Whether a name in <paramref name="nodes"/> refers to one of <paramref name="symbols"/>.</summary>
    public static bool Refers(IEnumerable<SyntaxNode> nodes, ICollection<ISymbol> symbols, SemanticModel model, CancellationToken ct)
    {
        if (symbols.Count == 0)
        {
            return false;
        }

        foreach (SyntaxNode node in nodes)
        {
            foreach (IdentifierNameSyntax name in node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            {
                if (model.GetSymbolInfo(name, ct).Symbol is { } symbol && symbols.Contains(symbol))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The names declared anywhere in the member around <paramref name="node"/>, and its parameters'.</summary>
    public static HashSet<string> NamesInMember(SyntaxNode node)
    {
        var names = new HashSet<string>();
        SyntaxNode member = node.FirstAncestorOrSelf<MemberDeclarationSyntax>() ?? node;
        foreach (SyntaxNode inner in member.DescendantNodesAndSelf())
        {
            switch (inner)
            {
                case VariableDeclaratorSyntax declarator:
                    names.Add(declarator.Identifier.ValueText);
                    break;
                case SingleVariableDesignationSyntax designation:
                    names.Add(designation.Identifier.ValueText);
                    break;
                case LocalFunctionStatementSyntax function:
                    names.Add(function.Identifier.ValueText);
                    break;
                case ForEachStatementSyntax forEach:
                    names.Add(forEach.Identifier.ValueText);
                    break;
                case CatchDeclarationSyntax { Identifier.ValueText: { Length: > 0 } caught }:
                    names.Add(caught);
                    break;
                case ParameterSyntax parameter:
                    names.Add(parameter.Identifier.ValueText);
                    break;
            }
        }

        return names;
    }

    /// <summary><paramref name="name"/>2, 3, … : the first not declared in the member nor visible at <paramref name="position"/>.</summary>
    public static string FreshName(string name, SyntaxNode within, SemanticModel model, int position)
    {
        HashSet<string> taken = NamesInMember(within);
        foreach (ISymbol visible in model.LookupSymbols(position))
        {
            taken.Add(visible.Name);
        }

        for (int suffix = 2; ; suffix++)
        {
            string candidate = name + suffix.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!taken.Contains(candidate))
            {
                return candidate;
            }
        }
    }

    /// <summary><paramref name="node"/> with every name that refers to <paramref name="symbol"/> renamed.</summary>
    public static TNode Rename<TNode>(TNode node, ISymbol symbol, string newName, SemanticModel model, CancellationToken ct)
        where TNode : SyntaxNode
    {
        IdentifierNameSyntax[] references = node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
            .Where(name => SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, ct).Symbol, symbol))
            .ToArray();
        return node.ReplaceNodes(references, (original, _) =>
            SyntaxFactory.IdentifierName(SyntaxFactory.Identifier(original.Identifier.LeadingTrivia, newName,
                original.Identifier.TrailingTrivia)));
    }

    // ---- the engine's view ------------------------------------------------------------------

    /// <summary>
    /// The locks the lock-state engine finds held (on every path or some) just before the call
    /// at <paramref name="callSyntax"/>; null when the engine cannot be run there.
    /// </summary>
    public static IReadOnlyList<HeldLock>? HeldAt(SyntaxNode callSyntax, SemanticModel model, LockModel lockModel, CancellationToken ct)
    {
        if (model.GetEnclosingSymbol(callSyntax.SpanStart, ct) is not IMethodSymbol method
            || method.MethodKind == MethodKind.AnonymousFunction)
        {
            return null;
        }

        ControlFlowGraph? graph = GraphOf(method, model, ct);
        if (graph is null)
        {
            return null;
        }

        var context = new LockAnalysisContext(model.Compilation, lockModel, ct);
        MethodAnalysis analysis = context.Analyze(method, graph);
        foreach (LockEvent lockEvent in analysis.Events)
        {
            if (lockEvent.Kind == LockEventKind.Call && lockEvent.Operation.Syntax == callSyntax)
            {
                return lockEvent.Held;
            }
        }

        return null;
    }

    private static ControlFlowGraph? GraphOf(IMethodSymbol method, SemanticModel model, CancellationToken ct)
    {
        if (method.MethodKind == MethodKind.LocalFunction)
        {
            IMethodSymbol? container = method.ContainingSymbol as IMethodSymbol;
            return container is null || container.MethodKind == MethodKind.AnonymousFunction
                ? null
                : FindLocalFunction(GraphOf(container, model, ct), method, ct);
        }

        if (method.DeclaringSyntaxReferences.IsEmpty)
        {
            return null;
        }

        SyntaxNode node = method.DeclaringSyntaxReferences[0].GetSyntax(ct);
        if (node.SyntaxTree != model.SyntaxTree)
        {
            return null;
        }

        try
        {
            return ControlFlowGraph.Create(node, model, ct);
        }
        catch (System.ArgumentException)
        {
            return null;
        }
    }

    private static ControlFlowGraph? FindLocalFunction(ControlFlowGraph? graph, IMethodSymbol localFunction, CancellationToken ct)
    {
        if (graph is null)
        {
            return null;
        }

        foreach (IMethodSymbol candidate in graph.LocalFunctions)
        {
            ControlFlowGraph nested = graph.GetLocalFunctionControlFlowGraph(candidate, ct);
            if (SymbolEqualityComparer.Default.Equals(candidate, localFunction))
            {
                return nested;
            }

            if (FindLocalFunction(nested, localFunction, ct) is { } deeper)
            {
                return deeper;
            }
        }

        return null;
    }

    // ---- trivia -----------------------------------------------------------------------------

    /// <summary>The document's line break: the first one in it, or <c>\n</c>.</summary>
    public static SyntaxTrivia EndOfLine(SyntaxNode root)
    {
        foreach (SyntaxTrivia trivia in root.DescendantTrivia())
        {
            if (trivia.IsKind(SyntaxKind.EndOfLineTrivia))
            {
                return SyntaxFactory.EndOfLine(trivia.ToString());
            }
        }

        return SyntaxFactory.EndOfLine("\n");
    }

    /// <summary>The whitespace before <paramref name="node"/>'s first token on its line.</summary>
    public static string IndentationOf(SyntaxNode node) => IndentationOf(node.GetFirstToken());

    public static string IndentationOf(SyntaxToken token)
    {
        SourceText text = token.SyntaxTree!.GetText();
        TextLine line = text.Lines.GetLineFromPosition(token.SpanStart);
        int end = line.Start;
        while (end < token.SpanStart && char.IsWhiteSpace(text[end]))
        {
            end++;
        }

        return text.ToString(TextSpan.FromBounds(line.Start, end));
    }

    /// <summary>One indentation step in the block around <paramref name="statement"/>: its indentation beyond the brace's.</summary>
    public static string IndentationUnit(StatementSyntax statement)
    {
        if (statement.Parent is BlockSyntax block)
        {
            string outer = IndentationOf(block.OpenBraceToken);
            string inner = IndentationOf(statement);
            if (inner.Length > outer.Length && inner.StartsWith(outer, System.StringComparison.Ordinal))
            {
                return inner.Substring(outer.Length);
            }
        }

        return "    ";
    }

    /// <summary>Leading trivia without the blank lines it starts with.</summary>
    public static SyntaxTriviaList WithoutLeadingBlankLines(SyntaxTriviaList trivia)
    {
        int start = 0;
        for (int i = 0; i < trivia.Count; i++)
        {
            if (trivia[i].IsKind(SyntaxKind.EndOfLineTrivia))
            {
                start = i + 1;
            }
            else if (!trivia[i].IsKind(SyntaxKind.WhitespaceTrivia))
            {
                break;
            }
        }

        return SyntaxFactory.TriviaList(trivia.Skip(start));
    }

    /// <summary>Leading trivia without the indentation of its last line (what precedes the token on its line).</summary>
    public static SyntaxTriviaList WithoutTrailingIndentation(SyntaxTriviaList trivia) =>
        trivia.Count > 0 && trivia[trivia.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia)
            ? SyntaxFactory.TriviaList(trivia.Take(trivia.Count - 1))
            : trivia;

    /// <summary>Leading trivia with each line's indentation replaced by <paramref name="indentation"/>.</summary>
    public static SyntaxTriviaList Reindent(SyntaxTriviaList trivia, string indentation)
    {
        var result = new List<SyntaxTrivia>();
        bool atLineStart = true;
        foreach (SyntaxTrivia item in trivia)
        {
            if (item.IsKind(SyntaxKind.WhitespaceTrivia) && atLineStart)
            {
                continue;
            }

            if (atLineStart && indentation.Length > 0)
            {
                result.Add(SyntaxFactory.Whitespace(indentation));
            }

            result.Add(item);
            atLineStart = item.IsKind(SyntaxKind.EndOfLineTrivia);
        }

        if (atLineStart && indentation.Length > 0)
        {
            result.Add(SyntaxFactory.Whitespace(indentation));
        }

        return SyntaxFactory.TriviaList(result);
    }

    /// <summary><paramref name="node"/> with every line that starts inside it indented by <paramref name="unit"/> more.</summary>
    public static TNode Indent<TNode>(TNode node, string unit)
        where TNode : SyntaxNode
    {
        SourceText text = node.SyntaxTree.GetText();
        return node.ReplaceTokens(node.DescendantTokens(descendIntoTrivia: false), (original, _) =>
        {
            SyntaxTriviaList leading = original.LeadingTrivia;
            var result = new List<SyntaxTrivia>();
            int first = leading.Count > 0 ? leading[0].SpanStart : original.SpanStart;
            bool atLineStart = text.Lines.GetLineFromPosition(first).Start == first;
            foreach (SyntaxTrivia item in leading)
            {
                if (atLineStart && item.IsKind(SyntaxKind.WhitespaceTrivia))
                {
                    result.Add(SyntaxFactory.Whitespace(unit + item.ToString()));
                    atLineStart = false;
                    continue;
                }

                if (atLineStart && !item.IsKind(SyntaxKind.EndOfLineTrivia))
                {
                    result.Add(SyntaxFactory.Whitespace(unit));
                }

                result.Add(item);
                atLineStart = item.IsKind(SyntaxKind.EndOfLineTrivia);
            }

            if (atLineStart)
            {
                result.Add(SyntaxFactory.Whitespace(unit));
            }

            return original.WithLeadingTrivia(result);
        });
    }

    /// <summary>Whether <paramref name="trivia"/> holds anything besides whitespace and line breaks.</summary>
    public static bool HasComments(SyntaxTriviaList trivia) =>
        trivia.Any(t => !t.IsKind(SyntaxKind.WhitespaceTrivia) && !t.IsKind(SyntaxKind.EndOfLineTrivia));

    public static bool HasDirectives(SyntaxNode node) => node.DescendantTrivia().Any(t => t.IsDirective || t.IsKind(SyntaxKind.DisabledTextTrivia))
        || node.GetLeadingTrivia().Any(t => t.IsDirective);
}
