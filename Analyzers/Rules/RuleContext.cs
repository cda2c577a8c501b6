using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>
/// What the rules of one method share: the engine's analysis, and the findings they make. Rules
/// do not look at each other's findings: <see cref="RulePrecedence"/> decides which are reported.
/// </summary>
internal sealed class RuleContext
{
    private readonly List<Finding> _findings = new List<Finding>();

    public RuleContext(MethodAnalysis analysis)
    {
        Analysis = analysis;
    }

    public MethodAnalysis Analysis { get; }

    public IReadOnlyList<Finding> Findings => _findings;

    /// <summary>A finding at <paramref name="operation"/>.</summary>
    public void Report(DiagnosticDescriptor descriptor, IOperation operation, Location? related, params object[] arguments) =>
        Report(descriptor, operation, related, ImmutableDictionary<string, string?>.Empty, arguments);

    public void Report(DiagnosticDescriptor descriptor, IOperation operation, Location? related,
        ImmutableDictionary<string, string?> properties, params object[] arguments) =>
        _findings.Add(new Finding(descriptor, operation, null, operation.Syntax.GetLocation(), related, arguments)
        {
            Properties = properties,
        });

    /// <summary>A finding at <paramref name="acquisition"/>.</summary>
    public void Report(DiagnosticDescriptor descriptor, Acquisition acquisition, Location? related, params object[] arguments) =>
        Report(descriptor, acquisition, related, ImmutableDictionary<string, string?>.Empty, arguments);

    public void Report(DiagnosticDescriptor descriptor, Acquisition acquisition, Location? related,
        ImmutableDictionary<string, string?> properties, params object[] arguments) =>
        _findings.Add(new Finding(descriptor, null, acquisition, acquisition.Location, related, arguments)
        {
            Properties = properties,
        });
}
