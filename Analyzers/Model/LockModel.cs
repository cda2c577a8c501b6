using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Model;

/// <summary>
/// What the runtime's attributes say, for one compilation. The analyzer knows the runtime only
/// through these metadata names: a type merely named like one of ours is not ours.
/// </summary>
internal sealed class LockModel
{
    private const string Namespace = "Toolstack.Runtime.";

    private readonly ConcurrentDictionary<ITypeSymbol, LockKind?> _kinds =
        new ConcurrentDictionary<ITypeSymbol, LockKind?>(SymbolEqualityComparer.Default);

    private LockModel(
        INamedTypeSymbol lockLevel,
        INamedTypeSymbol requiresUnlocked,
        INamedTypeSymbol blocking,
        INamedTypeSymbol requiresLock,
        INamedTypeSymbol acquiresLock,
        INamedTypeSymbol releasesLock)
    {
        LockLevelAttribute = lockLevel;
        RequiresUnlockedAttribute = requiresUnlocked;
        BlockingAttribute = blocking;
        RequiresLockAttribute = requiresLock;
        AcquiresLockAttribute = acquiresLock;
        ReleasesLockAttribute = releasesLock;
    }

    public INamedTypeSymbol LockLevelAttribute { get; }

    public INamedTypeSymbol RequiresUnlockedAttribute { get; }

    public INamedTypeSymbol BlockingAttribute { get; }

    public INamedTypeSymbol RequiresLockAttribute { get; }

    public INamedTypeSymbol AcquiresLockAttribute { get; }

    public INamedTypeSymbol ReleasesLockAttribute { get; }

    /// <summary>The model, or null when the compilation does not reference the runtime.</summary>
    public static LockModel? TryCreate(Compilation compilation)
    {
        INamedTypeSymbol? lockLevel = compilation.GetTypeByMetadataName(Namespace + "LockLevelAttribute");
        if (lockLevel is null)
        {
            return null;
        }

        INamedTypeSymbol? requiresUnlocked = compilation.GetTypeByMetadataName(Namespace + "RequiresUnlockedAttribute");
        INamedTypeSymbol? blocking = compilation.GetTypeByMetadataName(Namespace + "BlockingAttribute");
        INamedTypeSymbol? requiresLock = compilation.GetTypeByMetadataName(Namespace + "RequiresLockAttribute");
        INamedTypeSymbol? acquiresLock = compilation.GetTypeByMetadataName(Namespace + "AcquiresLockAttribute");
        INamedTypeSymbol? releasesLock = compilation.GetTypeByMetadataName(Namespace + "ReleasesLockAttribute");
        if (requiresUnlocked is null || blocking is null || requiresLock is null
            || acquiresLock is null || releasesLock is null)
        {
            return null;
        }

        return new LockModel(lockLevel, requiresUnlocked, blocking, requiresLock, acquiresLock, releasesLock);
    }

    /// <summary>The lock kind <paramref name="type"/> declares, or null if it is not a lock type.</summary>
    public LockKind? GetLockKind(ITypeSymbol type) => _kinds.GetOrAdd(type, ReadLockKind);

    private LockKind? ReadLockKind(ITypeSymbol type)
    {
        if (type is not INamedTypeSymbol named)
        {
            return null;
        }

        foreach (AttributeData attribute in named.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, LockLevelAttribute)
                || attribute.ConstructorArguments.Length != 1
                || attribute.ConstructorArguments[0].Value is not int level)
            {
                continue;
            }

            bool isSlow = false;
            bool forbidsBlocking = false;
            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Value.Value is bool value)
                {
                    if (argument.Key == "IsSlow")
                    {
                        isSlow = value;
                    }
                    else if (argument.Key == "ForbidsBlocking")
                    {
                        forbidsBlocking = value;
                    }
                }
            }

            return new LockKind(named, level, isSlow, forbidsBlocking);
        }

        return null;
    }
}
