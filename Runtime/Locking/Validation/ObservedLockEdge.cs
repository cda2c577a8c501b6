namespace Toolstack.Runtime;

/// <summary>
/// A lock order the validator saw happen: a lock of type <see cref="Taken"/> acquired (or attempted)
/// while one of type <see cref="Held"/> was held, by lock type as lockdep counts lock classes.
/// </summary>
/// <param name="Held">The held lock's type, <see cref="System.Type.FullName"/>.</param>
/// <param name="HeldLevel">Its level.</param>
/// <param name="Taken">The acquired lock's type.</param>
/// <param name="TakenLevel">Its level.</param>
/// <param name="Count">How many acquisitions took this order since recording began.</param>
/// <param name="FirstSite">Where the first of them happened, as <see cref="LockOrderException"/> names sites.</param>
public sealed record ObservedLockEdge(string Held, int HeldLevel, string Taken, int TakenLevel, long Count, string FirstSite)
{
    /// <summary>The held lock is not strictly outer to the taken one: the validator threw for it.</summary>
    public bool AgainstHierarchy => HeldLevel >= TakenLevel;
}
