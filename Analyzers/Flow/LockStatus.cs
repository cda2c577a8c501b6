using System;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// What may have become of one acquisition on the paths reaching a point. A state joins paths
/// by union, so "held on every path" is a status with only held flags.
/// </summary>
[Flags]
internal enum LockStatus : byte
{
    /// <summary>No path reaches the point with any status: only ever an intermediate value.</summary>
    None = 0,

    /// <summary>Not (yet) taken.</summary>
    NotAcquired = 1,

    /// <summary>Held, and this method is responsible for releasing it.</summary>
    Held = 2,

    /// <summary>Released.</summary>
    Released = 4,

    /// <summary>Held, but its handle was returned, stored or passed on: no longer this method's to release.</summary>
    Escaped = 8,

    /// <summary>Held, whoever releases it.</summary>
    AnyHeld = Held | Escaped,
}
