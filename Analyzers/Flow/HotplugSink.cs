using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>Where the hot-plug pass reports; <see cref="Silent"/> while it solves.</summary>
internal class HotplugSink
{
    public static HotplugSink Silent { get; } = new HotplugSink();

    /// <summary>A call needing a step, under a lock of this method's not held continuously since that step.</summary>
    public virtual void Violation(HotplugFinding finding)
    {
    }

    /// <summary>A call needing a step, under the caller's lock, with no such step in this method before it.</summary>
    public virtual void NeedsOfCaller(HotplugRole role)
    {
    }
}

/// <summary>The recording pass's sink: each finding once.</summary>
internal sealed class HotplugRecorder : HotplugSink
{
    private readonly List<HotplugFinding> _findings = new List<HotplugFinding>();
    private readonly List<HotplugRole> _needs = new List<HotplugRole>();

    public ImmutableArray<HotplugFinding> Findings => _findings.ToImmutableArray();

    public IReadOnlyList<HotplugRole> Needs => _needs;

    public override void Violation(HotplugFinding finding)
    {
        // A finally region recorded once per branch through it sees its calls more than once.
        if (!_findings.Any(known => ReferenceEquals(known.Call.Operation, finding.Call.Operation)
            && known.Lock.Index == finding.Lock.Index && known.Role.Kind == finding.Role.Kind))
        {
            _findings.Add(finding);
        }
    }

    public override void NeedsOfCaller(HotplugRole role)
    {
        if (!_needs.Any(known => known.Kind == role.Kind && known.SameLock(role)))
        {
            _needs.Add(role);
        }
    }
}
