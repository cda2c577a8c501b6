using System;

namespace Toolstack.Runtime;

/// <summary>
/// Marks a field or property as guarded by a lock: it may be read or written only while that
/// lock is held (TSL1010).
/// </summary>
/// <remarks>
/// <para>
/// With a member name (<c>[GuardedBy(nameof(_gate))]</c>), the lock is that field or property of
/// the same object: <c>other.member</c> needs <c>other._gate</c> held, not some other instance's.
/// With a lock type (<c>[GuardedBy(typeof(DriverLock))]</c>), any held lock of that type will do.
/// </para>
/// <para>
/// Constructors (and field initialisers, and a type's static constructor for its static members)
/// are exempt: nobody else can see the object yet. A lambda, local function or later continuation
/// that touches the member must hold the lock itself: the locks held where it is created do not
/// count, because it may run after they are released.
/// </para>
/// </remarks>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = true, AllowMultiple = false)]
public sealed class GuardedByAttribute : Attribute
{
    /// <summary>Guarded by the lock stored in the field or property <paramref name="lockMember"/> of the same object.</summary>
    public GuardedByAttribute(string lockMember) => LockMember = lockMember;

    /// <summary>Guarded by any lock of <paramref name="lockType"/>, a type declared with <see cref="LockLevelAttribute"/>.</summary>
    public GuardedByAttribute(Type lockType) => LockType = lockType;

    /// <summary>The field or property of the declaring type holding the lock; null when <see cref="LockType"/> is given.</summary>
    public string? LockMember { get; }

    /// <summary>The lock type any instance of which guards the member; null when <see cref="LockMember"/> is given.</summary>
    public Type? LockType { get; }
}
