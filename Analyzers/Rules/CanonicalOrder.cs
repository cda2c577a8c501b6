using System.Linq;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>
/// The locks one <c>[AcquiresInCanonicalOrder]</c> call takes (or a helper returning them) nest on
/// purpose, the callee ordering them: TSL1001 checks each against the locks held before the call,
/// not against each other.
/// </summary>
internal static class CanonicalOrder
{
    /// <summary><paramref name="acquire"/> without the locks its own canonical-order call took before it.</summary>
    public static LockEvent WithoutPartners(LockEvent acquire)
    {
        if (acquire.Acquired is not { CanonicalTarget: not null } acquired
            || !acquire.Held.Any(held => held.Acquisition.TakenInCanonicalOrderWith(acquired)))
        {
            return acquire;
        }

        return acquire with { Held = acquire.Held.RemoveAll(held => held.Acquisition.TakenInCanonicalOrderWith(acquired)) };
    }
}
