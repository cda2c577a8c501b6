using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// Whether a method may be touched by a lock at all, decided before any control-flow graph is
/// built: a method whose operations, signature and callees (transitively) involve no lock cannot
/// produce a diagnostic, and its summary is inert. Sound, not exact: when unsure, "relevant".
/// </summary>
internal sealed class LockRelevance
{
    private readonly LockAnalysisContext _context;
    private readonly ConcurrentDictionary<ISymbol, OwnScan> _scans =
        new ConcurrentDictionary<ISymbol, OwnScan>(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ISymbol, bool> _transitive =
        new ConcurrentDictionary<ISymbol, bool>(SymbolEqualityComparer.Default);

    public LockRelevance(LockAnalysisContext context)
    {
        _context = context;
    }

    /// <summary>
    /// Whether the operation blocks of <paramref name="owner"/> (with their lambdas and local
    /// functions) may produce a diagnostic.
    /// </summary>
    public bool IsRelevant(ISymbol owner, ImmutableArray<IOperation> blocks)
    {
        var scanner = new OperationScanner(_context);
        if (owner is IMethodSymbol method)
        {
            scanner.Signature(method);
        }

        foreach (IOperation block in blocks)
        {
            scanner.Scan(block);
        }

        OwnScan scan = scanner.Result;
        if (owner is IMethodSymbol body && _context.SummaryBody(body) is { } normalized
            && SymbolEqualityComparer.Default.Equals(normalized, body))
        {
            // Callers of this method need not bind its body again.
            _scans.TryAdd(body, scan);
        }

        return scan.Direct || AnyMayInvolveLocks(scan.Callees);
    }

    /// <summary>
    /// Whether the summary of <paramref name="body"/> (a <see cref="LockAnalysisContext.SummaryBody"/>)
    /// may say anything: its own operations involve a lock, or a method it reaches does.
    /// </summary>
    public bool MayInvolveLocks(IMethodSymbol body)
    {
        if (_transitive.TryGetValue(body, out bool known))
        {
            return known;
        }

        // Reachability of a directly relevant method. Nothing reached is relevant: then nothing
        // any of them reaches is, so all are settled at once; callees known inert are not entered.
        var visited = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default) { body };
        var pending = new Stack<IMethodSymbol>();
        pending.Push(body);
        while (pending.Count > 0)
        {
            IMethodSymbol method = pending.Pop();
            OwnScan scan = ScanOf(method);
            if (scan.Direct || (!SymbolEqualityComparer.Default.Equals(method, body)
                && _transitive.TryGetValue(method, out bool relevant) && relevant))
            {
                _transitive[body] = true;
                return true;
            }

            foreach (IMethodSymbol callee in scan.Callees)
            {
                if (!(_transitive.TryGetValue(callee, out bool settled) && !settled) && visited.Add(callee))
                {
                    pending.Push(callee);
                }
            }
        }

        foreach (IMethodSymbol method in visited)
        {
            _transitive[method] = false;
        }

        return false;
    }

    private bool AnyMayInvolveLocks(ImmutableArray<IMethodSymbol> callees)
    {
        foreach (IMethodSymbol callee in callees)
        {
            if (MayInvolveLocks(callee))
            {
                return true;
            }
        }

        return false;
    }

    private OwnScan ScanOf(IMethodSymbol method) => _scans.GetOrAdd(method, symbol => ScanBody((IMethodSymbol)symbol));

    private OwnScan ScanBody(IMethodSymbol method)
    {
        var scanner = new OperationScanner(_context);
        scanner.Signature(method);
        if (!scanner.Result.Direct && _context.BodyOperation(method) is { } operation)
        {
            scanner.Scan(operation);
        }

        // No body in this compilation: no graph either, so no summary (as the engine sees it).
        return scanner.Result;
    }
}

/// <summary>What a method's own code says: a lock-relevant operation, and the bodies it calls.</summary>
internal sealed record OwnScan(bool Direct, ImmutableArray<IMethodSymbol> Callees);
