namespace Toolstack.Runtime.Tests.Qmp.Support;

/// <summary>
/// The tests that assert tight time bounds (fail-fast after SIGKILL, cancellation under
/// SIGSTOP) run here, one at a time after the parallel tests, so a loaded machine does not
/// make them flaky.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class QmpTimingCollection
{
    public const string Name = "QMP timing";
}
