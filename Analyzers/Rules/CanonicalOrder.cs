using System.Linq;
using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Rules;

/// <summary>
/// The locks one <c>[AcquiresInCanonicalOrder]</c> call takes nest on purpose (the callee orders
/// them): TSL1001 checks each against the locks held before the call, not against each other.
/// </summary>
internal static class CanonicalOrder
{
    /// <summary><paramref name="acquire"/> without the locks its own canonical-order call took before it.</summary>
    public static LockEvent WithoutPartners(RuleContext context, LockEvent acquire)
    {
        // Cheap first: only a call that took several locks has held locks sharing its site.
        if (!acquire.Held.Any(held => ReferenceEquals(held.Acquisition.Site, acquire.Operation))
            || !context.Analysis.Events.Any(call => call.Kind == LockEventKind.Call
                && ReferenceEquals(call.Operation, acquire.Operation) && call.Contract.AcquiresInCanonicalOrder))
        {
            return acquire;
        }

        return acquire with { Held = acquire.Held.RemoveAll(held => ReferenceEquals(held.Acquisition.Site, acquire.Operation)) };
    }
}
