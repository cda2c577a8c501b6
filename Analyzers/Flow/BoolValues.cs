using System;

namespace Toolstack.Analyzers.Flow;

/// <summary>Which values a tracked <c>bool</c> may have on the paths reaching a point.</summary>
[Flags]
internal enum BoolValues : byte
{
    /// <summary>No path: only ever an intermediate value.</summary>
    None = 0,

    True = 1,

    False = 2,

    /// <summary>Either, on different paths: then a <see cref="BoolCondition"/> may correlate statuses with it.</summary>
    Either = True | False,
}

internal static class BoolValuesExtensions
{
    public static BoolValues Of(bool value) => value ? BoolValues.True : BoolValues.False;

    public static bool Allows(this BoolValues values, bool value) => (values & Of(value)) != 0;

    public static BoolValues Negated(this BoolValues values) =>
        (BoolValues)((((byte)values & 1) << 1) | (((byte)values & 2) >> 1));
}
