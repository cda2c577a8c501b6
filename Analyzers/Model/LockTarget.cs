namespace Toolstack.Analyzers.Model;

/// <summary>
/// Which lock instance an attribute means: the receiver (null <see cref="Name"/>), or the
/// parameter, field or property called <see cref="Name"/> (the attribute's <c>Lock</c> property).
/// </summary>
internal readonly struct LockTarget
{
    public LockTarget(string? name) => Name = name;

    public string? Name { get; }

    public bool IsReceiver => Name is null;
}
