using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Model;

/// <summary>A lock type as its <c>[LockLevel]</c> attribute declares it.</summary>
internal sealed class LockKind
{
    public LockKind(INamedTypeSymbol type, int level, bool isSlow, bool forbidsBlocking)
    {
        Type = type;
        Level = level;
        IsSlow = isSlow;
        ForbidsBlocking = forbidsBlocking;
    }

    public INamedTypeSymbol Type { get; }

    /// <summary>Smaller is outer: taken first.</summary>
    public int Level { get; }

    /// <summary>May be held across <c>await</c> and <c>[RequiresUnlocked]</c> calls.</summary>
    public bool IsSlow { get; }

    /// <summary>Nothing that sleeps or waits may run while it is held.</summary>
    public bool ForbidsBlocking { get; }

    public string Name => Type.Name;
}
