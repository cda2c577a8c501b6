using System;
using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// How code reaches a lock: a root (a parameter, a local, a static member, or <c>this</c>) and a
/// chain of fields and properties. Two acquisitions are of the same lock when their paths are equal.
/// </summary>
internal sealed class LockPath : IEquatable<LockPath>
{
    private LockPath(ISymbol? root, ImmutableArray<ISymbol> members)
    {
        Root = root;
        Members = members;
    }

    /// <summary>The parameter, local or static member the path starts at; null for <c>this</c>.</summary>
    public ISymbol? Root { get; }

    public ImmutableArray<ISymbol> Members { get; }

    public static LockPath This { get; } = new LockPath(null, ImmutableArray<ISymbol>.Empty);

    public static LockPath FromRoot(ISymbol root) => new LockPath(root, ImmutableArray<ISymbol>.Empty);

    public LockPath Append(ISymbol member) => new LockPath(Root, Members.Add(member));

    /// <summary>
    /// This path as seen by a caller: a callee's parameter or <c>this</c> replaced by what the
    /// caller passed. Null when the root has no counterpart at the call (a callee's local).
    /// </summary>
    public LockPath? Rebase(Func<ISymbol?, LockPath?> rootAtCall)
    {
        if (Root is IFieldSymbol { IsStatic: true } || Root is IPropertySymbol { IsStatic: true })
        {
            return this;
        }

        LockPath? rebased = rootAtCall(Root);
        if (rebased is null)
        {
            return null;
        }

        return Members.IsEmpty ? rebased : new LockPath(rebased.Root, rebased.Members.AddRange(Members));
    }

    public bool Equals(LockPath? other)
    {
        if (other is null || !SymbolEqualityComparer.Default.Equals(Root, other.Root) || Members.Length != other.Members.Length)
        {
            return false;
        }

        for (int i = 0; i < Members.Length; i++)
        {
            if (!SymbolEqualityComparer.Default.Equals(Members[i], other.Members[i]))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as LockPath);

    public override int GetHashCode()
    {
        int hash = Root is null ? 17 : SymbolEqualityComparer.Default.GetHashCode(Root);
        foreach (ISymbol member in Members)
        {
            hash = (hash * 31) + SymbolEqualityComparer.Default.GetHashCode(member);
        }

        return hash;
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        if (Root is not null)
        {
            text.Append(Root.Name);
        }
        else if (Members.IsEmpty)
        {
            text.Append("this");
        }

        foreach (ISymbol member in Members)
        {
            if (text.Length > 0)
            {
                text.Append('.');
            }

            text.Append(member.Name);
        }

        return text.ToString();
    }
}
