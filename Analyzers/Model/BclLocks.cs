using System.Collections.Concurrent;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Model;

/// <summary>What a BCL lock primitive's member does to its lock.</summary>
internal enum BclLockOperation
{
    /// <summary>Takes the lock (<c>Monitor.Enter</c>, <c>Lock.Enter</c>, <c>SemaphoreSlim.Wait</c>...); a <c>bool</c> result or <c>ref bool</c> argument tells whether.</summary>
    Acquire,

    /// <summary>Gives the lock back (<c>Monitor.Exit</c>, <c>Lock.Exit</c>, <c>SemaphoreSlim.Release</c>).</summary>
    Release,

    /// <summary>Takes the lock and returns a scope that gives it back (<c>Lock.EnterScope</c>).</summary>
    EnterScope,

    /// <summary>Disposes such a scope (<c>Lock.Scope.Dispose</c>).</summary>
    ExitScope,
}

/// <summary>Where a primitive's member finds its lock object.</summary>
internal enum BclLockObject
{
    /// <summary>The receiver (<c>gate.Enter()</c>).</summary>
    Receiver,

    /// <summary>The first argument of a static member (<c>Monitor.Enter(gate)</c>).</summary>
    FirstArgument,
}

/// <summary>One member of the table: what it does, where its lock object is, and the kind's family type.</summary>
/// <param name="Family">The type every lock object of this primitive counts as (<c>object</c> for <c>Monitor</c>).</param>
/// <param name="RequiresLevel">Only a lock when the object's field or property carries <c>[LockLevel]</c> (a <c>SemaphoreSlim</c>).</param>
internal sealed record BclLockMember(BclLockOperation Operation, BclLockObject LockObject, INamedTypeSymbol Family, bool RequiresLevel);

/// <summary>
/// The second table the analyzer knows by metadata name (the first is <see cref="BlockingApis"/>):
/// the BCL lock primitives. The <c>lock</c> statement needs no entry: the control-flow graph
/// lowers it to <c>Monitor.Enter</c>/<c>Exit</c> (or to <c>Lock.EnterScope</c> and the scope's
/// <c>Dispose</c>), which are here. Every such lock is short unless its field's <c>[LockLevel]</c>
/// says otherwise.
/// </summary>
internal sealed class BclLocks
{
    private static readonly (string Type, string Family, BclLockObject LockObject, bool RequiresLevel, (string Member, BclLockOperation Operation)[] Members)[] s_table =
    {
        ("System.Threading.Monitor", "System.Object", BclLockObject.FirstArgument, false, new[]
        {
            ("Enter", BclLockOperation.Acquire),
            ("TryEnter", BclLockOperation.Acquire),
            ("Exit", BclLockOperation.Release),
        }),
        ("System.Threading.Lock", "System.Threading.Lock", BclLockObject.Receiver, false, new[]
        {
            ("Enter", BclLockOperation.Acquire),
            ("TryEnter", BclLockOperation.Acquire),
            ("Exit", BclLockOperation.Release),
            ("EnterScope", BclLockOperation.EnterScope),
        }),
        ("System.Threading.Lock+Scope", "System.Threading.Lock", BclLockObject.Receiver, false, new[]
        {
            ("Dispose", BclLockOperation.ExitScope),
        }),
        ("System.Threading.SemaphoreSlim", "System.Threading.SemaphoreSlim", BclLockObject.Receiver, true, new[]
        {
            ("Wait", BclLockOperation.Acquire),
            ("WaitAsync", BclLockOperation.Acquire),
            ("Release", BclLockOperation.Release),
        }),
    };

    private readonly Dictionary<INamedTypeSymbol, Dictionary<string, BclLockMember>> _members;
    private readonly INamedTypeSymbol _lockLevelAttribute;
    private readonly ConcurrentDictionary<(ISymbol? Holder, INamedTypeSymbol Family), LockKind?> _kinds =
        new ConcurrentDictionary<(ISymbol?, INamedTypeSymbol), LockKind?>(HolderComparer.Instance);

    private BclLocks(Dictionary<INamedTypeSymbol, Dictionary<string, BclLockMember>> members, INamedTypeSymbol lockLevelAttribute)
    {
        _members = members;
        _lockLevelAttribute = lockLevelAttribute;
    }

    /// <summary>The primitives <paramref name="compilation"/> references (a target without <c>Lock</c> just lacks it).</summary>
    public static BclLocks Create(Compilation compilation, INamedTypeSymbol lockLevelAttribute)
    {
        var members = new Dictionary<INamedTypeSymbol, Dictionary<string, BclLockMember>>(SymbolEqualityComparer.Default);
        foreach (var entry in s_table)
        {
            INamedTypeSymbol? type = compilation.GetTypeByMetadataName(entry.Type);
            INamedTypeSymbol? family = compilation.GetTypeByMetadataName(entry.Family);
            if (type is null || family is null)
            {
                continue;
            }

            var byName = new Dictionary<string, BclLockMember>();
            foreach (var (member, operation) in entry.Members)
            {
                byName[member] = new BclLockMember(operation, entry.LockObject, family, entry.RequiresLevel);
            }

            members[type] = byName;
        }

        return new BclLocks(members, lockLevelAttribute);
    }

    /// <summary>What <paramref name="callee"/> does as a lock primitive, or null when it is none.</summary>
    public BclLockMember? Find(ISymbol callee) =>
        callee is IMethodSymbol { ContainingType: { } type } method
        && _members.TryGetValue(type.OriginalDefinition, out Dictionary<string, BclLockMember>? byName)
        && byName.TryGetValue(method.Name, out BclLockMember? member)
            ? member
            : null;

    /// <summary>
    /// The scope-returning member of <paramref name="lockType"/> (<c>Lock.EnterScope</c>), or null: what a
    /// <c>lock</c> statement on such an object means when the graph lost its lowering (see <c>LockStatementScopes</c>).
    /// </summary>
    public BclLockMember? EnterScopeOf(ITypeSymbol lockType)
    {
        if (lockType is INamedTypeSymbol named && _members.TryGetValue(named.OriginalDefinition, out Dictionary<string, BclLockMember>? byName))
        {
            foreach (BclLockMember member in byName.Values)
            {
                if (member.Operation == BclLockOperation.EnterScope)
                {
                    return member;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The lock kind of a lock object of <paramref name="member"/>'s primitive held in <paramref name="holder"/>
    /// (its field or property, when known): what the holder's <c>[LockLevel]</c> says, else a short lock
    /// without level; null when the primitive is a lock only when marked and the holder is not.
    /// </summary>
    public LockKind? KindOf(BclLockMember member, ISymbol? holder)
    {
        LockKind? kind = _kinds.GetOrAdd((Marked(holder) ? holder : null, member.Family), key => Read(key.Holder, key.Family));
        return kind is { HasLevel: false } && member.RequiresLevel ? null : kind;
    }

    /// <summary>Whether <paramref name="holder"/> is a field or property carrying <c>[LockLevel]</c>.</summary>
    public bool Marked(ISymbol? holder) =>
        holder is IFieldSymbol or IPropertySymbol && LockLevelDeclaration.Of(holder, _lockLevelAttribute) is not null;

    private LockKind Read(ISymbol? holder, INamedTypeSymbol family) =>
        holder is not null && LockLevelDeclaration.Of(holder, _lockLevelAttribute) is { } declared
            ? LockKind.LockObject(family, declared.Level, declared.IsSlow, declared.ForbidsBlocking)
            : LockKind.LockObject(family, level: null, isSlow: false, forbidsBlocking: false);

    private sealed class HolderComparer : IEqualityComparer<(ISymbol? Holder, INamedTypeSymbol Family)>
    {
        public static readonly HolderComparer Instance = new HolderComparer();

        public bool Equals((ISymbol? Holder, INamedTypeSymbol Family) x, (ISymbol? Holder, INamedTypeSymbol Family) y) =>
            SymbolEqualityComparer.Default.Equals(x.Holder, y.Holder) && SymbolEqualityComparer.Default.Equals(x.Family, y.Family);

        public int GetHashCode((ISymbol? Holder, INamedTypeSymbol Family) key) =>
            ((key.Holder is null ? 0 : SymbolEqualityComparer.Default.GetHashCode(key.Holder)) * 31)
            + SymbolEqualityComparer.Default.GetHashCode(key.Family);
    }
}
