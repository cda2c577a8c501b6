using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>A lock a method leaves held on every normal way out, in the method's own terms.</summary>
/// <param name="Path">Rooted at a parameter, <c>this</c> or a static member; null when not expressible.</param>
/// <param name="ReturnsHandle">The method returns the handle.</param>
/// <param name="CanonicalTarget">Taken by a canonical-order call whose value the method returns (<see cref="Acquisition.CanonicalTarget"/>).</param>
internal sealed record SummaryAcquire(LockKind Kind, LockPath? Path, bool ReturnsHandle, string? CanonicalTarget = null);

/// <summary>A lock a method releases that it did not take: a handle parameter, or a lock held on entry.</summary>
/// <param name="HandleParameter">The ordinal of the handle parameter released, or null for a release by lock path.</param>
/// <param name="Kind">The lock released through (or the lock released, by path); null when the handle releases itself.</param>
internal sealed record SummaryRelease(int? HandleParameter, LockKind? Kind, LockPath? Path, bool ThroughLock);

/// <summary>A lock a method takes at some point (and may release again), in the method's own terms.</summary>
/// <param name="Name">How the method names it, for when <paramref name="Path"/> cannot be rebased.</param>
/// <param name="Chain">The calls inside the method that lead to the acquisition, outermost first (empty: the method itself).</param>
internal sealed record SummaryTake(LockKind Kind, LockPath? Path, LockName Name, CallChain Chain);

/// <summary>One <c>[RequiresUnlocked]</c> requirement a method inherits from a call it makes.</summary>
/// <param name="Kind">The forbidden lock type; null for every short lock.</param>
/// <param name="Chain">The calls that lead to the <c>[RequiresUnlocked]</c> member, outermost first.</param>
internal sealed record UnlockRequirement(LockKind? Kind, CallChain Chain)
{
    public bool Forbids(LockKind held) => Kind is null
        ? !held.IsSlow
        : SymbolEqualityComparer.Default.Equals(Kind.Type, held.Type);
}

/// <summary>What a method of this compilation does with locks, as its callers see it.</summary>
/// <param name="Acquires">Locks left held on every normal way out.</param>
/// <param name="Takes">Every lock the method takes, directly or through its callees: the caller must hold only outer ones.</param>
/// <param name="BlockingChain">Empty when the method cannot block; otherwise the calls that lead to the wait, outermost first.</param>
/// <param name="RequiredLocks">
/// For a local function: the <c>[RequiresLock]</c> locks its body needs and does not take
/// itself. It cannot be annotated with locks it captures, so its callers must hold them.
/// </param>
internal sealed record MethodSummary(
    ImmutableArray<SummaryAcquire> Acquires,
    ImmutableArray<SummaryRelease> Releases,
    ImmutableArray<SummaryTake> Takes,
    CallChain BlockingChain,
    ImmutableArray<UnlockRequirement> UnlockRequirements,
    ImmutableArray<RequiredLock> RequiredLocks)
{
    public static readonly MethodSummary Empty = new MethodSummary(
        ImmutableArray<SummaryAcquire>.Empty, ImmutableArray<SummaryRelease>.Empty, ImmutableArray<SummaryTake>.Empty,
        CallChain.None, ImmutableArray<UnlockRequirement>.Empty, ImmutableArray<RequiredLock>.Empty);

    /// <summary>
    /// The hot-plug roles the method plays for its callers (TSL1011): an add or JSON removal it
    /// reaches under its caller's lock without the step that allows it, a describe or primary
    /// removal it makes on every normal way out.
    /// </summary>
    public ImmutableArray<HotplugRole> HotplugRoles { get; init; } = ImmutableArray<HotplugRole>.Empty;

    public bool IsBlocking => !BlockingChain.IsEmpty;

    /// <summary>The method (transitively) calls a <c>[RequiresUnlocked]</c> member.</summary>
    public bool RequiresUnlocked => !UnlockRequirements.IsEmpty;

    /// <summary>Whether the summary says nothing a caller must know: the call is a plain one.</summary>
    public bool IsInert =>
        Acquires.IsEmpty && Releases.IsEmpty && Takes.IsEmpty && RequiredLocks.IsEmpty && !IsBlocking && !RequiresUnlocked
        && HotplugRoles.IsEmpty;

    /// <summary>The requirement that forbids holding <paramref name="held"/> at a call, or null.</summary>
    public UnlockRequirement? RequirementForbidding(LockKind held)
    {
        foreach (UnlockRequirement requirement in UnlockRequirements)
        {
            if (requirement.Forbids(held))
            {
                return requirement;
            }
        }

        return null;
    }

    public bool Forbids(LockKind held) => RequirementForbidding(held) is not null;
}
