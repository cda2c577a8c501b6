using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// How the engine identifies a lock for the messages, in symbols and syntax: its symbol path when
/// the analysis has one, otherwise what the code says. <c>Rules/MessageText</c> writes it out.
/// </summary>
internal abstract record LockName
{
    private LockName()
    {
    }

    /// <summary><paramref name="path"/> when known, else <paramref name="fallback"/>.</summary>
    public static LockName For(LockKind kind, LockPath? path, LockName fallback) =>
        path is null ? fallback : new OfPath(kind, path);

    /// <summary>A lock the analysis names by its symbol path: <c>DomainLock 'vm.StateLock'</c>.</summary>
    public sealed record OfPath(LockKind Kind, LockPath Path) : LockName;

    /// <summary>A lock named by the expression the code reaches it through, when that is no symbol path.</summary>
    public sealed record OfExpression(LockKind Kind, SyntaxNode Expression) : LockName
    {
        // Two mentions of the same text name the same lock as far as a reader can tell.
        public bool Equals(OfExpression? other) =>
            other is not null && ReferenceEquals(Kind, other.Kind) && Expression.ToString() == other.Expression.ToString();

        public override int GetHashCode() => Expression.ToString().GetHashCode();
    }

    /// <summary>A lock an attribute names by a member or parameter name that has no path here.</summary>
    public sealed record OfMember(LockKind Kind, string Member) : LockName;

    /// <summary>A lock a helper of this compilation takes or releases, whose path does not reach the caller.</summary>
    public sealed record OfHelper(LockKind Kind, ISymbol Helper) : LockName;

    /// <summary>Any lock of the type: the attribute names no particular one.</summary>
    public sealed record AnyOf(LockKind Kind) : LockName;

    /// <summary>A handle passed in as a parameter: a lock of unknown origin.</summary>
    public sealed record OfHandleParameter(IParameterSymbol Parameter) : LockName;
}
