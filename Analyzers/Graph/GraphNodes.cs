using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Flow;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Graph;

/// <summary>
/// The node a held or taken lock is drawn as: its lock type, or, for a BCL lock object
/// (<c>lock</c>, <c>Monitor</c>, <c>Lock</c>, <c>SemaphoreSlim</c>), the field or property holding
/// it — with its <c>[LockLevel]</c> if it has one, in a last row without a level otherwise.
/// </summary>
internal static class GraphNodes
{
    public static GraphNode OfType(LockKind kind) =>
        new GraphNode(NodeIds.Of(kind), kind.Name, kind.Level, kind.IsSlow, kind.ForbidsBlocking, NodeOrigin.LockType);

    public static GraphNode OfMember(ISymbol member, LockKind kind) =>
        new GraphNode(NodeIds.OfMember(member), member.ContainingType.Name + "." + member.Name, kind.HasLevel ? kind.Level : null,
            kind.IsSlow, kind.ForbidsBlocking, NodeOrigin.LockField);

    /// <summary>The node of a lock reached through <paramref name="path"/>; null for a lock object no member names.</summary>
    public static GraphNode? For(LockKind kind, LockPath? path)
    {
        if (kind.Source == LockKindSource.LockType)
        {
            return OfType(kind);
        }

        ISymbol? holder = path is null ? null
            : path.Members.IsEmpty ? path.Root as IFieldSymbol ?? (ISymbol?)(path.Root as IPropertySymbol)
            : path.Members[path.Members.Length - 1];
        return holder is null ? null : OfMember(holder, kind);
    }

    /// <summary>The hierarchy's test (TSL1001's): a lock object without a level takes no part in the order.</summary>
    public static bool AgainstHierarchy(GraphNode held, GraphNode taken) =>
        held.Level is { } outer && taken.Level is { } inner && outer >= inner;
}
