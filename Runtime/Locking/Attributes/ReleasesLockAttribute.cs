using System;

namespace Toolstack.Runtime;

/// <summary>
/// Marks a member that releases a lock.
/// </summary>
/// <remarks>
/// <para>
/// Without a lock type, on a handle's own member (<see cref="LockHandle.Dispose"/>): releases the
/// lock the receiver handle came from.
/// </para>
/// <para>
/// With a lock type, on a member of that lock type taking a <see cref="LockHandle"/>
/// (<see cref="DriverLock.Unlock"/>): releases the handle through the receiver. A handle issued
/// by a lock of another type or instance is TSL1003; a handle already released, TSL1006.
/// </para>
/// <para>
/// With a lock type on a wrapper, <see cref="Lock"/> names the parameter, or the field or
/// property of the declaring type, that is the lock released (for example, entering a monitor
/// releases the domain's lock).
/// </para>
/// </remarks>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Property,
    Inherited = true, AllowMultiple = true)]
public sealed class ReleasesLockAttribute : Attribute
{
    /// <summary>The member releases the lock of the handle it is called on.</summary>
    public ReleasesLockAttribute() { }

    /// <summary>The member releases a lock of <paramref name="lockType"/>.</summary>
    public ReleasesLockAttribute(Type lockType) => LockType = lockType;

    /// <summary>The lock type, or null when the receiver is the handle being released.</summary>
    public Type? LockType { get; }

    /// <summary>
    /// The name of the parameter, or of the field or property of the declaring type, that is the
    /// lock released; null when the receiver is the lock (or the handle).
    /// </summary>
    public string? Lock { get; set; }
}
