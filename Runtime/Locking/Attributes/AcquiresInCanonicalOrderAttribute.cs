using System;

namespace Toolstack.Runtime;

/// <summary>
/// Marks a member that acquires several locks of one level in a canonical order of its own
/// (lockdep's <c>nest_lock</c>): the nesting of those locks inside it is not an order violation.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Locks"/> names the parameters (or fields or properties of the declaring type) that
/// are the locks acquired, each a lock of <see cref="LockType"/>. The member must take them in a
/// stable total order that never depends on the order of its arguments
/// (<see cref="DomainLock.LockBoth"/> orders by construction sequence), so two callers naming the
/// same locks in opposite orders cannot deadlock.
/// </para>
/// <para>
/// The member returns a type whose <see cref="LockHandle"/> properties are named like the
/// parameters they belong to (<c>first</c> → <c>First</c>); disposing the returned value, marked
/// <see cref="ReleasesLockAttribute"/>, releases every lock it holds. The analyzer checks each lock
/// against the locks already held (TSL1001) and each handle for a release on every path (TSL1005);
/// any other nesting of one level is still TSL1001.
/// </para>
/// </remarks>
[AttributeUsage(AttributeTargets.Method, Inherited = true, AllowMultiple = false)]
public sealed class AcquiresInCanonicalOrderAttribute : Attribute
{
    /// <summary>The member acquires the locks of <paramref name="lockType"/> named by <paramref name="locks"/>.</summary>
    public AcquiresInCanonicalOrderAttribute(Type lockType, params string[] locks)
    {
        LockType = lockType;
        Locks = locks;
    }

    /// <summary>The lock type, declared with <see cref="LockLevelAttribute"/>.</summary>
    public Type LockType { get; }

    /// <summary>The parameters, fields or properties that are the locks acquired.</summary>
    public string[] Locks { get; }
}
