using System;

namespace Toolstack.Runtime;

/// <summary>
/// Marks a member whose caller must hold a lock of <see cref="LockType"/>; the member's own body
/// is analysed as running with that lock held.
/// </summary>
/// <remarks>
/// Calling it without the lock held is TSL1008. <see cref="Lock"/> names which instance: a
/// parameter of the member, or a field or property of the declaring type; when omitted, any
/// held lock of <see cref="LockType"/> satisfies the requirement.
/// </remarks>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Property,
    Inherited = true, AllowMultiple = true)]
public sealed class RequiresLockAttribute : Attribute
{
    /// <summary>The caller must hold a lock of <paramref name="lockType"/>.</summary>
    public RequiresLockAttribute(Type lockType) => LockType = lockType;

    /// <summary>The lock type, declared with <see cref="LockLevelAttribute"/>.</summary>
    public Type LockType { get; }

    /// <summary>
    /// The name of the parameter, or of the field or property of the declaring type, that is the
    /// required lock; null for any lock of <see cref="LockType"/>.
    /// </summary>
    public string? Lock { get; set; }
}
