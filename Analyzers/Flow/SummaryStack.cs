using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// The methods whose summaries are being computed on this call chain: a call back into one of
/// them (recursion) is treated as doing nothing, which ends the chain.
/// </summary>
internal sealed class SummaryStack
{
    public const int MaxDepth = 24;

    public static readonly SummaryStack Empty = new SummaryStack(ImmutableHashSet.Create<ISymbol>(SymbolEqualityComparer.Default), 0);

    private readonly ImmutableHashSet<ISymbol> _methods;

    private SummaryStack(ImmutableHashSet<ISymbol> methods, int depth)
    {
        _methods = methods;
        Depth = depth;
    }

    public int Depth { get; }

    public bool Contains(IMethodSymbol method) => _methods.Contains(method);

    public SummaryStack Push(IMethodSymbol method) => new SummaryStack(_methods.Add(method), Depth + 1);
}
