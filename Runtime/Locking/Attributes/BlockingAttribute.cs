using System;

namespace Toolstack.Runtime;

/// <summary>
/// Marks a member that may sleep or wait (blocking I/O, waiting on another thread or process).
/// </summary>
/// <remarks>
/// Calling it while holding a lock whose <see cref="LockLevelAttribute.ForbidsBlocking"/> is set
/// (the driver lock) is TSL1002. Methods that call it are blocking too; the analyzer follows
/// such calls within a compilation, and across assemblies trusts only this attribute.
/// </remarks>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Property,
    Inherited = true, AllowMultiple = false)]
public sealed class BlockingAttribute : Attribute
{
}
