using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Model;

/// <summary>Where a lock kind's declaration comes from.</summary>
internal enum LockKindSource
{
    /// <summary>A lock type of the hierarchy: <c>[LockLevel]</c> on the type.</summary>
    LockType,

    /// <summary>
    /// A BCL lock primitive (<c>lock</c>, <c>Monitor</c>, <c>System.Threading.Lock</c>, <c>SemaphoreSlim</c>):
    /// short unless its field's or property's <c>[LockLevel]</c> says otherwise.
    /// </summary>
    LockObject,
}

/// <summary>A lock type as its <c>[LockLevel]</c> attribute declares it, or a BCL lock object.</summary>
internal sealed class LockKind
{
    public LockKind(INamedTypeSymbol type, int level, bool isSlow, bool forbidsBlocking)
        : this(type, level, isSlow, forbidsBlocking, LockKindSource.LockType, hasLevel: true, type.Name)
    {
    }

    private LockKind(INamedTypeSymbol type, int level, bool isSlow, bool forbidsBlocking, LockKindSource source, bool hasLevel,
        string name)
    {
        Type = type;
        Level = level;
        IsSlow = isSlow;
        ForbidsBlocking = forbidsBlocking;
        Source = source;
        HasLevel = hasLevel;
        Name = name;
    }

    /// <summary>
    /// A BCL lock object of the primitive <paramref name="family"/> (<c>object</c> for <c>lock</c> and
    /// <c>Monitor</c>): messages call it "lock"; without a level it sits innermost and takes no part in the order.
    /// </summary>
    public static LockKind LockObject(INamedTypeSymbol family, int? level, bool isSlow, bool forbidsBlocking) =>
        new LockKind(family, level ?? int.MaxValue, isSlow, forbidsBlocking, LockKindSource.LockObject, level is not null, "lock");

    public INamedTypeSymbol Type { get; }

    /// <summary>Smaller is outer: taken first.</summary>
    public int Level { get; }

    /// <summary>Whether <see cref="Level"/> was declared: an unmarked <c>lock (obj)</c> has none, so no order applies to it.</summary>
    public bool HasLevel { get; }

    /// <summary>May be held across <c>await</c> and <c>[RequiresUnlocked]</c> calls.</summary>
    public bool IsSlow { get; }

    /// <summary>Nothing that sleeps or waits may run while it is held.</summary>
    public bool ForbidsBlocking { get; }

    public LockKindSource Source { get; }

    public string Name { get; }
}
