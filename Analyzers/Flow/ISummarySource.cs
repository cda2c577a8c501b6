using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Flow;

/// <summary>Where the call effects find a callee's summary: final ones, or a recursive cycle's current guesses.</summary>
internal interface ISummarySource
{
    /// <summary>
    /// What <paramref name="body"/> does with locks; null for methods without a body here
    /// (metadata, abstract, extern), for which only the attributes count.
    /// </summary>
    MethodSummary? SummaryOf(IMethodSymbol body);
}
