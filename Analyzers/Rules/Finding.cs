using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>
/// A diagnostic a rule would report, before <see cref="RulePrecedence"/> decides whether another
/// rule's finding already says it: about an operation (a call, a release, an await), or about an
/// acquisition (a lock not released on some path).
/// </summary>
/// <param name="Location">Where it is reported.</param>
/// <param name="Related">
/// The other end: where the lock was taken, the way out, the call that may throw; then, for a
/// mistake reached through calls, the chain's last hop.
/// </param>
internal sealed record Finding(
    DiagnosticDescriptor Rule,
    Finding.Subject About,
    Location Location,
    ImmutableArray<Location> Related,
    object[] Arguments)
{
    /// <summary>What the rule's code fix needs (<see cref="FixProperties"/>).</summary>
    public ImmutableDictionary<string, string?> Properties { get; init; } = ImmutableDictionary<string, string?>.Empty;

    /// <summary>What a finding is about: an operation, or an acquisition.</summary>
    internal abstract record Subject
    {
        private Subject()
        {
        }

        /// <summary>A call, release or await.</summary>
        public sealed record Operation(IOperation Value) : Subject;

        /// <summary>A lock taken in the method.</summary>
        public sealed record Acquisition(Flow.Acquisition Value) : Subject;
    }

    public Diagnostic ToDiagnostic()
    {
        return Diagnostic.Create(Rule, Location, Related, Properties, Arguments);
    }
}
