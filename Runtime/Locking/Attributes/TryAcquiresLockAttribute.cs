using System;

namespace Toolstack.Runtime;

/// <summary>
/// Marks a member that returns <see langword="true"/> with a lock of <see cref="LockType"/> held,
/// and <see langword="false"/> with nothing held (Clang's <c>TRY_ACQUIRE(true, ...)</c>).
/// </summary>
/// <remarks>
/// <para>
/// The member returns <see cref="bool"/>. On a member of the lock type itself
/// (<see cref="DriverLock.TryLock"/>), the receiver is the lock and the <c>out</c>
/// <see cref="LockHandle"/> parameter is its handle on success (null on failure). On a wrapper,
/// <see cref="Lock"/> names the parameter, or the field or property of the declaring type, that
/// is the lock acquired, as for <see cref="AcquiresLockAttribute"/>.
/// </para>
/// <para>
/// The analyzer follows the result: the lock is held where the result was true
/// (<c>if (x.TryLock(out h))</c>, <c>if (!x.TryLock(out h)) return;</c>, a <c>bool</c> local
/// holding it), and checked there like any other acquisition (TSL1001, TSL1002, TSL1005...).
/// </para>
/// </remarks>
[AttributeUsage(AttributeTargets.Method, Inherited = true, AllowMultiple = false)]
public sealed class TryAcquiresLockAttribute : Attribute
{
    /// <summary>The member acquires a lock of <paramref name="lockType"/> when it returns true.</summary>
    public TryAcquiresLockAttribute(Type lockType) => LockType = lockType;

    /// <summary>The lock type, declared with <see cref="LockLevelAttribute"/>.</summary>
    public Type LockType { get; }

    /// <summary>
    /// The name of the parameter, or of the field or property of the declaring type, that is the
    /// lock acquired; null when the receiver is the lock.
    /// </summary>
    public string? Lock { get; set; }
}
