namespace Toolstack.Runtime;

/// <summary>
/// Thrown by <see cref="LockValidator"/> when a lock is acquired while a lock that is not
/// strictly outer to it is held. Nothing is acquired. The static twin is TSL1001.
/// </summary>
public sealed class LockOrderException : LockException
{
    internal LockOrderException(HierarchicalLock acquiring, HierarchicalLock held, string heldAt)
        : base(Describe(acquiring, held, heldAt))
    {
        Acquiring = acquiring;
        Held = held;
        HeldAt = heldAt;
    }

    /// <summary>The lock whose acquisition was refused.</summary>
    public HierarchicalLock Acquiring { get; }

    /// <summary>The held lock that is not outer to <see cref="Acquiring"/>.</summary>
    public HierarchicalLock Held { get; }

    /// <summary>Where <see cref="Held"/> was taken: method, file and line when known.</summary>
    public string HeldAt { get; }

    private static string Describe(HierarchicalLock acquiring, HierarchicalLock held, string heldAt)
    {
        string why = ReferenceEquals(acquiring, held)
            ? "the same lock twice"
            : acquiring.Level == held.Level
                ? $"two locks of level {held.Level} nested"
                : $"level {acquiring.Level} must be taken before level {held.Level}";
        return $"Acquiring {acquiring} while holding {held} violates the lock hierarchy ({why}); " +
               $"{held} was taken at {heldAt}.";
    }
}
