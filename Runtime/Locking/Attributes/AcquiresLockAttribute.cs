using System;

namespace Toolstack.Runtime;

/// <summary>
/// Marks a member that returns with a lock of <see cref="LockType"/> held.
/// </summary>
/// <remarks>
/// <para>
/// On a member of the lock type itself (<see cref="DriverLock.Lock()"/>), the receiver is the lock
/// acquired and the returned <see cref="LockHandle"/> (or the result of the returned task) is its
/// handle. On a wrapper, <see cref="Lock"/> names the parameter, or the field or property of the
/// declaring type, that is the lock acquired (for example, leaving a monitor re-takes the
/// domain's lock).
/// </para>
/// <para>The acquisition is checked like a direct one: order (TSL1001), leaks (TSL1005).</para>
/// </remarks>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Property,
    Inherited = true, AllowMultiple = true)]
public sealed class AcquiresLockAttribute : Attribute
{
    /// <summary>The member acquires a lock of <paramref name="lockType"/>.</summary>
    public AcquiresLockAttribute(Type lockType) => LockType = lockType;

    /// <summary>The lock type, declared with <see cref="LockLevelAttribute"/>.</summary>
    public Type LockType { get; }

    /// <summary>
    /// The name of the parameter, or of the field or property of the declaring type, that is the
    /// lock acquired; null when the receiver is the lock.
    /// </summary>
    public string? Lock { get; set; }
}
