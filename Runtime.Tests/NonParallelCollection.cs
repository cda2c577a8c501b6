namespace Toolstack.Runtime.Tests;

/// <summary>
/// Tests that change process-wide state (the validator switch, the thread pool's limits) or
/// measure it (open file descriptors) run in this collection, alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NonParallelCollection
{
    public const string Name = "Process-wide state";
}
