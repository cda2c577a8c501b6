using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// Computes method summaries callees first, one strongly connected component of the call graph
/// at a time. A recursive component (a cycle) is solved as a whole: every member re-analysed
/// from the others' current summaries, in source order, until none changes. No summary computed
/// with a cycle cut short is ever kept, so what is cached does not depend on which member the
/// analysis reached first, nor on timing.
/// </summary>
internal sealed class RecursiveSummaries
{
    /// <summary>Rounds after which a cycle that has not settled keeps its last summaries (never seen in practice).</summary>
    private const int MaxRounds = 16;

    private readonly LockAnalysisContext _context;

    // Cycles are solved one at a time, and their members stored together, so that no thread sees
    // part of a cycle's result and solves the rest on its own.
    private readonly object _cycleGate = new object();

    public RecursiveSummaries(LockAnalysisContext context)
    {
        _context = context;
    }

    /// <summary>Computes and stores the analysis of <paramref name="root"/> and of every method it reaches.</summary>
    public void Complete(IMethodSymbol root)
    {
        foreach (List<IMethodSymbol> component in new Components(this).From(root))
        {
            Solve(component);
        }
    }

    /// <summary>The methods of this compilation <paramref name="method"/> calls whose analysis is not stored yet.</summary>
    private IEnumerable<IMethodSymbol> PendingCallees(IMethodSymbol method)
    {
        if (_context.GraphOf(method) is not { } graph)
        {
            yield break;
        }

        var seen = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        foreach (IMethodSymbol called in CallGraph.CalledBodies(graph))
        {
            if (_context.SummaryBody(called) is { } body && seen.Add(body) && !_context.IsStored(body)
                && _context.Relevance.MayInvolveLocks(body) && _context.GraphOf(body) is not null)
            {
                yield return body;
            }
        }
    }

    private void Solve(List<IMethodSymbol> members)
    {
        IMethodSymbol first = members[0];
        if (members.Count == 1 && !PendingCallees(first).Contains(first, SymbolEqualityComparer.Default))
        {
            // Not recursive: every callee is stored already, so the result is final.
            if (!_context.IsStored(first))
            {
                _context.Store(first, Analyze(first, _context));
            }

            return;
        }

        lock (_cycleGate)
        {
            if (members.Any(_context.IsStored))
            {
                return;
            }

            members.Sort(BySource);
            var cycle = new CycleSummaries(_context, members);
            var analyses = new Dictionary<IMethodSymbol, MethodAnalysis>(SymbolEqualityComparer.Default);
            bool changed = true;
            for (int round = 0; changed && round < MaxRounds; round++)
            {
                changed = false;
                foreach (IMethodSymbol member in members)
                {
                    MethodAnalysis analysis = Analyze(member, cycle);
                    analyses[member] = analysis;
                    changed |= cycle.Update(member, analysis.Summary);
                }
            }

            foreach (IMethodSymbol member in members)
            {
                _context.Store(member, analyses[member]);
            }
        }
    }

    private MethodAnalysis Analyze(IMethodSymbol method, ISummarySource summaries) =>
        LockStateEngine.Analyze(_context.GraphOf(method)!, method, _context, summaries);

    private static int BySource(IMethodSymbol x, IMethodSymbol y)
    {
        Location a = x.Locations[0];
        Location b = y.Locations[0];
        int byFile = string.CompareOrdinal(a.SourceTree?.FilePath, b.SourceTree?.FilePath);
        if (byFile != 0)
        {
            return byFile;
        }

        int byPosition = a.SourceSpan.Start.CompareTo(b.SourceSpan.Start);
        return byPosition != 0 ? byPosition : string.CompareOrdinal(x.ToDisplayString(), y.ToDisplayString());
    }

    /// <summary>A cycle's current summaries; everything outside the cycle is final already.</summary>
    private sealed class CycleSummaries : ISummarySource
    {
        private readonly LockAnalysisContext _context;
        private readonly Dictionary<IMethodSymbol, MethodSummary> _current;

        public CycleSummaries(LockAnalysisContext context, IEnumerable<IMethodSymbol> members)
        {
            _context = context;
            _current = members.ToDictionary(member => member, _ => MethodSummary.Empty,
                (IEqualityComparer<IMethodSymbol>)SymbolEqualityComparer.Default);
        }

        public MethodSummary? SummaryOf(IMethodSymbol body) =>
            _context.SummaryBody(body) is { } normalized && _current.TryGetValue(normalized, out MethodSummary? summary)
                ? summary
                : _context.SummaryOf(body);

        /// <summary>Records <paramref name="member"/>'s new summary; true if it changed.</summary>
        public bool Update(IMethodSymbol member, MethodSummary summary)
        {
            if (SummaryEquality.Same(_current[member], summary))
            {
                return false;
            }

            _current[member] = summary;
            return true;
        }
    }

    /// <summary>
    /// Tarjan's strongly connected components of the pending call graph, callees first. Iterative:
    /// call chains in generated code can be deeper than a thread's stack.
    /// </summary>
    private sealed class Components
    {
        private readonly RecursiveSummaries _owner;
        private readonly Dictionary<IMethodSymbol, int> _index = new Dictionary<IMethodSymbol, int>(SymbolEqualityComparer.Default);
        private readonly Dictionary<IMethodSymbol, int> _lowLink = new Dictionary<IMethodSymbol, int>(SymbolEqualityComparer.Default);
        private readonly Stack<IMethodSymbol> _stack = new Stack<IMethodSymbol>();
        private readonly HashSet<IMethodSymbol> _onStack = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        private readonly List<List<IMethodSymbol>> _found = new List<List<IMethodSymbol>>();

        public Components(RecursiveSummaries owner)
        {
            _owner = owner;
        }

        public List<List<IMethodSymbol>> From(IMethodSymbol root)
        {
            // Each frame: a method, and the callees still to look at.
            var frames = new Stack<(IMethodSymbol Method, IEnumerator<IMethodSymbol> Callees)>();
            Enter(root, frames);
            while (frames.Count > 0)
            {
                (IMethodSymbol method, IEnumerator<IMethodSymbol> callees) = frames.Peek();
                if (callees.MoveNext())
                {
                    IMethodSymbol callee = callees.Current;
                    if (!_index.ContainsKey(callee))
                    {
                        Enter(callee, frames);
                    }
                    else if (_onStack.Contains(callee))
                    {
                        _lowLink[method] = System.Math.Min(_lowLink[method], _index[callee]);
                    }

                    continue;
                }

                frames.Pop();
                callees.Dispose();
                if (frames.Count > 0)
                {
                    IMethodSymbol caller = frames.Peek().Method;
                    _lowLink[caller] = System.Math.Min(_lowLink[caller], _lowLink[method]);
                }

                if (_lowLink[method] == _index[method])
                {
                    _found.Add(PopComponent(method));
                }
            }

            return _found;
        }

        private void Enter(IMethodSymbol method, Stack<(IMethodSymbol, IEnumerator<IMethodSymbol>)> frames)
        {
            _index[method] = _lowLink[method] = _index.Count;
            _stack.Push(method);
            _onStack.Add(method);
            frames.Push((method, _owner.PendingCallees(method).GetEnumerator()));
        }

        private List<IMethodSymbol> PopComponent(IMethodSymbol root)
        {
            var component = new List<IMethodSymbol>();
            IMethodSymbol member;
            do
            {
                member = _stack.Pop();
                _onStack.Remove(member);
                component.Add(member);
            }
            while (!SymbolEqualityComparer.Default.Equals(member, root));

            return component;
        }
    }
}
