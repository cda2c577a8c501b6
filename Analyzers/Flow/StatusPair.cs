namespace Toolstack.Analyzers.Flow;

/// <summary>One acquisition's statuses on the paths where a tracked <c>bool</c> is true, and where it is false.</summary>
internal readonly record struct StatusPair(LockStatus WhenTrue, LockStatus WhenFalse)
{
    public LockStatus When(bool value) => value ? WhenTrue : WhenFalse;

    /// <summary>A status that does not depend on the value, on paths where the value is one of <paramref name="values"/>.</summary>
    public static StatusPair Uniform(LockStatus status, BoolValues values) => new StatusPair(
        values.Allows(true) ? status : LockStatus.None,
        values.Allows(false) ? status : LockStatus.None);

    public StatusPair Join(StatusPair other) => new StatusPair(WhenTrue | other.WhenTrue, WhenFalse | other.WhenFalse);

    public StatusPair Negated() => new StatusPair(WhenFalse, WhenTrue);

    /// <summary>Whether the value tells anything: the two sides differ.</summary>
    public bool Correlates => WhenTrue != WhenFalse;
}
