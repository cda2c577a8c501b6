using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>
/// What the rules of one method share: the report sink, and what earlier rules reported, so
/// that one mistake yields one diagnostic.
/// </summary>
internal sealed class RuleContext
{
    private readonly Action<Diagnostic> _report;
    private readonly HashSet<IOperation> _reportedOperations = new HashSet<IOperation>();
    private readonly HashSet<int> _reportedAcquisitions = new HashSet<int>();
    private readonly HashSet<(string, TextSpan)> _reported = new HashSet<(string, TextSpan)>();

    public RuleContext(MethodAnalysis analysis, Action<Diagnostic> report)
    {
        Analysis = analysis;
        _report = report;
    }

    public MethodAnalysis Analysis { get; }

    public bool IsReported(IOperation operation) => _reportedOperations.Contains(operation);

    /// <summary>Whether <paramref name="operation"/> or anything inside it was reported.</summary>
    public bool IsReportedWithin(IOperation operation) => operation.DescendantsAndSelf().Any(IsReported);

    public bool IsReported(Acquisition acquisition) => _reportedAcquisitions.Contains(acquisition.Index);

    /// <summary>Whether anything inside <paramref name="span"/> (a statement) was reported, by any rule.</summary>
    public bool IsReportedWithin(TextSpan span)
    {
        foreach ((string _, TextSpan reported) in _reported)
        {
            if (span.Contains(reported))
            {
                return true;
            }
        }

        return false;
    }

    public void Report(DiagnosticDescriptor descriptor, IOperation operation, Location? related, params object[] arguments)
    {
        if (Report(descriptor, operation.Syntax.GetLocation(), related, arguments))
        {
            _reportedOperations.Add(operation);
        }
    }

    public void Report(DiagnosticDescriptor descriptor, Acquisition acquisition, Location? related, params object[] arguments)
    {
        if (Report(descriptor, acquisition.Location, related, arguments))
        {
            _reportedAcquisitions.Add(acquisition.Index);
        }
    }

    private bool Report(DiagnosticDescriptor descriptor, Location location, Location? related, object[] arguments)
    {
        if (!_reported.Add((descriptor.Id, location.SourceSpan)))
        {
            return false;
        }

        Location[]? additional = related is null || related == Location.None ? null : new[] { related };
        _report(Diagnostic.Create(descriptor, location, additional, arguments));
        return true;
    }
}
