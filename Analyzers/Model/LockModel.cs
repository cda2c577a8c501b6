using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Model;

/// <summary>
/// What the runtime's attributes say, for one compilation. The analyzer knows the runtime only
/// through these metadata names: a type merely named like one of ours is not ours.
/// </summary>
internal sealed partial class LockModel
{
    private const string Namespace = "Toolstack.Runtime.";

    private readonly ConcurrentDictionary<ITypeSymbol, LockKind?> _kinds =
        new ConcurrentDictionary<ITypeSymbol, LockKind?>(SymbolEqualityComparer.Default);

    private readonly ConcurrentDictionary<ISymbol, MemberContract> _contracts =
        new ConcurrentDictionary<ISymbol, MemberContract>(SymbolEqualityComparer.Default);

    private LockModel(
        BlockingApis blockingApis,
        INamedTypeSymbol lockLevel,
        INamedTypeSymbol requiresUnlocked,
        INamedTypeSymbol blocking,
        INamedTypeSymbol requiresLock,
        INamedTypeSymbol acquiresLock,
        INamedTypeSymbol releasesLock,
        BclLocks bclLocks)
    {
        BlockingApis = blockingApis;
        BclLocks = bclLocks;
        LockLevelAttribute = lockLevel;
        RequiresUnlockedAttribute = requiresUnlocked;
        BlockingAttribute = blocking;
        RequiresLockAttribute = requiresLock;
        AcquiresLockAttribute = acquiresLock;
        ReleasesLockAttribute = releasesLock;
    }

    public BlockingApis BlockingApis { get; }

    /// <summary>The BCL lock primitives (<c>lock</c>, <c>Monitor</c>, <c>Lock</c>, <c>SemaphoreSlim</c>) this compilation has.</summary>
    public BclLocks BclLocks { get; }

    public INamedTypeSymbol LockLevelAttribute { get; }

    public INamedTypeSymbol RequiresUnlockedAttribute { get; }

    public INamedTypeSymbol BlockingAttribute { get; }

    public INamedTypeSymbol RequiresLockAttribute { get; }

    public INamedTypeSymbol AcquiresLockAttribute { get; }

    public INamedTypeSymbol ReleasesLockAttribute { get; }

    /// <summary><c>[TryAcquiresLock]</c>; absent from runtimes older than the attribute, then nothing matches it.</summary>
    public INamedTypeSymbol? TryAcquiresLockAttribute { get; private set; }

    /// <summary><c>[AcquiresInCanonicalOrder]</c>; absent from runtimes older than the attribute, then nothing matches it.</summary>
    public INamedTypeSymbol? CanonicalOrderAttribute { get; private set; }

    /// <summary>The hot-plug role attributes (TSL1011).</summary>
    public HotplugAttributes HotplugAttributes { get; private init; } = null!;

    /// <summary>The model, or null when the compilation does not reference the runtime.</summary>
    public static LockModel? TryCreate(Compilation compilation) =>
        TryCreate(compilation, BlockingApis.Create(ImmutableArray<Microsoft.CodeAnalysis.AdditionalText>.Empty, default));

    /// <summary>The model, or null when the compilation does not reference the runtime.</summary>
    public static LockModel? TryCreate(Compilation compilation, BlockingApis blockingApis)
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

        return new LockModel(blockingApis, lockLevel, requiresUnlocked, blocking, requiresLock, acquiresLock, releasesLock,
            BclLocks.Create(compilation, lockLevel))
        {
            TryAcquiresLockAttribute = compilation.GetTypeByMetadataName(Namespace + "TryAcquiresLockAttribute"),
            CanonicalOrderAttribute = compilation.GetTypeByMetadataName(Namespace + "AcquiresInCanonicalOrderAttribute"),
            GuardedByAttribute = compilation.GetTypeByMetadataName(Namespace + "GuardedByAttribute"),
            HotplugAttributes = HotplugAttributes.Create(compilation),
        };
    }

    /// <summary>The lock kind <paramref name="type"/> declares, or null if it is not a lock type.</summary>
    public LockKind? GetLockKind(ITypeSymbol type) => _kinds.GetOrAdd(type, ReadLockKind);

    /// <summary>What the attributes on <paramref name="member"/> (or what it overrides) say.</summary>
    /// <remarks>
    /// Memoised by the original definition, which is what the attributes and the blocking-API list are
    /// read from: every construction of a generic member (<c>Where&lt;T&gt;</c> for each T) is one lookup.
    /// </remarks>
    public MemberContract GetContract(ISymbol member) => _contracts.GetOrAdd(member.OriginalDefinition, ReadContract);

    private MemberContract ReadContract(ISymbol member)
    {
        var acquires = ImmutableArray.CreateBuilder<LockEffect>();
        var tryAcquires = ImmutableArray.CreateBuilder<LockEffect>();
        var releases = ImmutableArray.CreateBuilder<LockEffect>();
        var requiresLocks = ImmutableArray.CreateBuilder<LockEffect>();
        var unlockedKinds = ImmutableArray.CreateBuilder<LockKind>();
        var hotplugRoles = ImmutableArray.CreateBuilder<HotplugRole>();
        bool requiresUnlocked = false;
        bool inCanonicalOrder = false;
        bool blocking = BlockingApis.Contains(member);

        for (ISymbol? current = member.OriginalDefinition; current is not null; current = Overridden(current))
        {
            foreach (AttributeData attribute in current.GetAttributes())
            {
                INamedTypeSymbol? type = attribute.AttributeClass;
                if (SymbolEqualityComparer.Default.Equals(type, BlockingAttribute))
                {
                    blocking = true;
                }
                else if (SymbolEqualityComparer.Default.Equals(type, RequiresUnlockedAttribute))
                {
                    requiresUnlocked = true;
                    foreach (TypedConstant argument in attribute.ConstructorArguments)
                    {
                        if (argument.Kind == TypedConstantKind.Array)
                        {
                            foreach (TypedConstant element in argument.Values)
                            {
                                AddKind(unlockedKinds, element);
                            }
                        }
                        else
                        {
                            AddKind(unlockedKinds, argument);
                        }
                    }
                }
                else if (SymbolEqualityComparer.Default.Equals(type, AcquiresLockAttribute))
                {
                    AddEffect(acquires, attribute, kindRequired: true);
                }
                else if (TryAcquiresLockAttribute is not null && SymbolEqualityComparer.Default.Equals(type, TryAcquiresLockAttribute))
                {
                    AddEffect(tryAcquires, attribute, kindRequired: true);
                }
                else if (CanonicalOrderAttribute is not null && SymbolEqualityComparer.Default.Equals(type, CanonicalOrderAttribute))
                {
                    inCanonicalOrder |= AddOrderedEffects(acquires, attribute);
                }
                else if (SymbolEqualityComparer.Default.Equals(type, ReleasesLockAttribute))
                {
                    AddEffect(releases, attribute, kindRequired: false);
                }
                else if (SymbolEqualityComparer.Default.Equals(type, RequiresLockAttribute))
                {
                    AddEffect(requiresLocks, attribute, kindRequired: true);
                }
                else if (HotplugAttributes.RoleOf(type) is { } role)
                {
                    AddRole(hotplugRoles, role, attribute);
                }
            }
        }

        var contract = new MemberContract(acquires.ToImmutable(), releases.ToImmutable(), requiresLocks.ToImmutable(),
            requiresUnlocked, unlockedKinds.ToImmutable(), blocking, tryAcquires.ToImmutable())
        {
            AcquiresInCanonicalOrder = inCanonicalOrder,
            HotplugRoles = hotplugRoles.ToImmutable(),
        };
        return contract.IsEmpty ? MemberContract.None : contract;
    }

    private void AddKind(ImmutableArray<LockKind>.Builder kinds, TypedConstant constant)
    {
        if (constant.Value is ITypeSymbol type && GetLockKind(type) is { } kind)
        {
            kinds.Add(kind);
        }
    }

    private void AddRole(ImmutableArray<HotplugRole>.Builder roles, HotplugRoleKind role, AttributeData attribute)
    {
        if (attribute.ConstructorArguments.Length == 0)
        {
            roles.Add(new HotplugRole(role, null));
        }
        else if (attribute.ConstructorArguments[0].Value is ITypeSymbol type && GetLockKind(type) is { } kind)
        {
            roles.Add(new HotplugRole(role, kind));
        }

        // A type that is not a lock type: nothing the analyzer can check.
    }

    private void AddEffect(ImmutableArray<LockEffect>.Builder effects, AttributeData attribute, bool kindRequired)
    {
        LockKind? kind = null;
        if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is ITypeSymbol type)
        {
            kind = GetLockKind(type);
        }

        if (kind is null && (kindRequired || attribute.ConstructorArguments.Length == 1))
        {
            // A type that is not a lock type: nothing the analyzer can check.
            return;
        }

        string? target = null;
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == "Lock" && argument.Value.Value is string name)
            {
                target = name;
            }
        }

        effects.Add(new LockEffect(kind, new LockTarget(target)));
    }

    /// <summary>
    /// <c>[AcquiresInCanonicalOrder(typeof(X), "a", "b")]</c>: one acquisition of X per named lock,
    /// in the attribute's order; false (nothing added) when X is not a lock type or no lock is named.
    /// </summary>
    private bool AddOrderedEffects(ImmutableArray<LockEffect>.Builder effects, AttributeData attribute)
    {
        if (attribute.ConstructorArguments.Length != 2
            || attribute.ConstructorArguments[0].Value is not ITypeSymbol type
            || GetLockKind(type) is not { } kind
            || attribute.ConstructorArguments[1].Kind != TypedConstantKind.Array
            || attribute.ConstructorArguments[1].Values.Length == 0)
        {
            return false;
        }

        foreach (TypedConstant name in attribute.ConstructorArguments[1].Values)
        {
            if (name.Value is string target)
            {
                effects.Add(new LockEffect(kind, new LockTarget(target)));
            }
        }

        return true;
    }

    private static ISymbol? Overridden(ISymbol member) => member switch
    {
        IMethodSymbol method => method.OverriddenMethod,
        IPropertySymbol property => property.OverriddenProperty,
        _ => null,
    };

    private LockKind? ReadLockKind(ITypeSymbol type) =>
        type is INamedTypeSymbol named && LockLevelDeclaration.Of(named, LockLevelAttribute) is { } declared
            ? new LockKind(named, declared.Level, declared.IsSlow, declared.ForbidsBlocking)
            : null;
}
