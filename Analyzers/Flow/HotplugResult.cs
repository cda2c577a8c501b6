using System.Collections.Immutable;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// A call that needs a step (an add to the primary config needs a describe; a removal from the
/// JSON config needs a primary removal) reached where <paramref name="Lock"/> may not have been
/// held continuously since that step.
/// </summary>
internal sealed record HotplugFinding(LockEvent Call, HotplugRole Role, Acquisition Lock);

/// <summary>What the hot-plug pass found in one method.</summary>
/// <param name="Findings">TSL1011, under locks this method took.</param>
/// <param name="RolesForCallers">What the method does under its caller's lock: its summary's roles.</param>
internal sealed record HotplugResult(ImmutableArray<HotplugFinding> Findings, ImmutableArray<HotplugRole> RolesForCallers)
{
    public static HotplugResult None { get; } = new HotplugResult(ImmutableArray<HotplugFinding>.Empty, ImmutableArray<HotplugRole>.Empty);
}
