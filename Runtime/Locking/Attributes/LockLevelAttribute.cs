using System;

namespace Toolstack.Runtime;

/// <summary>
/// Declares a type to be a lock in the toolstack hierarchy, and what its holder may not do.
/// </summary>
/// <remarks>
/// <para>
/// A lock may be acquired only while every lock already held has a strictly smaller
/// <see cref="Level"/> (is outer to it). Two locks of one level, and the same lock twice, may
/// not be nested. The analyzer (TSL1001) and, when switched on, <see cref="LockValidator"/>
/// enforce this.
/// </para>
/// <para>
/// A lock that is not <see cref="IsSlow"/> is a short lock: while it is held, no
/// <c>await</c> (TSL1007) and no call to a member marked <c>[RequiresUnlocked]</c> without
/// arguments (TSL1004). A lock with <see cref="ForbidsBlocking"/> set additionally forbids
/// anything that may sleep or wait (TSL1002): blocking APIs, members marked
/// <see cref="BlockingAttribute"/>, and methods that reach them.
/// </para>
/// <para>The standard levels are in <see cref="LockLevels"/>; user lock types may sit between them.</para>
/// <para>
/// On a field or property, it places the lock object stored there — the target of a <c>lock</c>
/// statement, a <see cref="System.Threading.Lock"/>, a <see cref="System.Threading.Monitor"/> object
/// or a <see cref="System.Threading.SemaphoreSlim"/> — in the same hierarchy, with the same
/// prohibitions. The runtime's validator does not see such locks; the analyzer does.
/// </para>
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Field | AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class LockLevelAttribute : Attribute
{
    /// <summary>Places the attributed lock type, or the lock object in the attributed field or property, at <paramref name="level"/> in the hierarchy.</summary>
    /// <param name="level">Smaller is outer: it must be taken first.</param>
    public LockLevelAttribute(int level) => Level = level;

    /// <summary>The lock's place in the hierarchy; smaller levels are taken first.</summary>
    public int Level { get; }

    /// <summary>
    /// True for a "slow" lock, which may be held across <c>await</c> and across calls to
    /// <c>[RequiresUnlocked]</c> members (QMP calls). False (the default) for a short lock.
    /// </summary>
    public bool IsSlow { get; set; }

    /// <summary>
    /// True when nothing that may sleep or wait may run while the lock is held (the driver lock:
    /// one stuck domain must never stall every API call).
    /// </summary>
    public bool ForbidsBlocking { get; set; }
}
