namespace Toolstack.Runtime;

/// <summary>
/// The levels of the standard locks, outermost first. User lock types placed with
/// <see cref="LockLevelAttribute"/> may use any value between them.
/// </summary>
public static class LockLevels
{
    /// <summary><see cref="QmpLock"/>: libxl's slow per-domain lock; taken before anything else.</summary>
    public const int Qmp = 100;

    /// <summary><see cref="DriverLock"/>: the process-wide driver lock.</summary>
    public const int Driver = 200;

    /// <summary><see cref="DomainLock"/>: one domain object.</summary>
    public const int Domain = 300;

    /// <summary><see cref="JsonLock"/>: libxl's fast per-domain JSON config lock; innermost.</summary>
    public const int Json = 400;
}
