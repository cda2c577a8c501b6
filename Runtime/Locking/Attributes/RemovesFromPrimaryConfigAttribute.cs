using System;

namespace Toolstack.Runtime;

/// <summary>
/// Marks a member that removes something from the primary config (QEMU lets go of it): one of the four roles of libxl's hot-plug invariant.
/// </summary>
/// <remarks>
/// <para>
/// libxl (Ian Jackson, 2019): nothing may exist in the primary config (QEMU) without a corresponding
/// entry in the JSON config; a thing may be added to the primary config only while holding the
/// relevant lock continuously since ensuring the JSON config describes it; conversely, a thing may
/// be removed from the JSON config only while holding that lock continuously since ensuring it is
/// absent from the primary config. The name says the role, not the mechanism, so that users can put
/// it on their own wrappers.
/// </para>
/// <para>Each one counts, for <see cref="RemovesFromJsonConfigAttribute"/>, as the primary removal that makes forgetting the thing in the JSON config safe while the relevant lock stays held. QMP's `eject`, `device_del`, `blockdev-del` and `remove-fd` carry it on <c>QmpClient</c>'s typed members.</para>
/// <para>
/// The relevant lock is <see cref="LockType"/>; without one, the domain's slow lock
/// (<see cref="QmpLock"/>; to the analyzer, any held lock declared <see cref="LockLevelAttribute.IsSlow"/>).
/// The analyzer checks per lock instance and never per device. A member carrying the attribute
/// is trusted: its own body is not looked into for this role.
/// </para>
/// </remarks>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Property,
    Inherited = true, AllowMultiple = true)]
public sealed class RemovesFromPrimaryConfigAttribute : Attribute
{
    /// <summary>The relevant lock is the domain's slow lock, <see cref="QmpLock"/>.</summary>
    public RemovesFromPrimaryConfigAttribute()
    {
    }

    /// <summary>The relevant lock is a lock of <paramref name="lockType"/>.</summary>
    public RemovesFromPrimaryConfigAttribute(Type lockType) => LockType = lockType;

    /// <summary>The lock type, declared with <see cref="LockLevelAttribute"/>; null for the slow lock.</summary>
    public Type? LockType { get; }
}
