using System;

namespace Toolstack.Runtime;

/// <summary>
/// Marks a member that must be called with certain locks not held: every QMP call carries it.
/// </summary>
/// <remarks>
/// <para>
/// Without arguments, no short lock (a lock type whose <see cref="LockLevelAttribute.IsSlow"/>
/// is false) may be held at the call. With lock types, none of those types may be held,
/// whether short or slow. A violation is TSL1004; a method that calls such a member inherits
/// the requirement.
/// </para>
/// <para>Slow locks (<see cref="QmpLock"/>) may be held unless named explicitly.</para>
/// </remarks>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Property,
    Inherited = true, AllowMultiple = false)]
public sealed class RequiresUnlockedAttribute : Attribute
{
    /// <summary>No short lock may be held at the call.</summary>
    public RequiresUnlockedAttribute() => LockTypes = Array.Empty<Type>();

    /// <summary>No lock of the given types may be held at the call.</summary>
    /// <param name="lockTypes">Lock types, each declared with <see cref="LockLevelAttribute"/>.</param>
    public RequiresUnlockedAttribute(params Type[] lockTypes) => LockTypes = lockTypes ?? Array.Empty<Type>();

    /// <summary>The forbidden lock types; empty means every short lock.</summary>
    public Type[] LockTypes { get; }
}
