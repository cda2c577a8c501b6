using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>Where a method's lock state starts to include a lock: one per acquiring operation.</summary>
internal enum AcquisitionOrigin
{
    /// <summary>A call in the method body acquires it.</summary>
    Call,

    /// <summary>The method is <c>[RequiresLock]</c>: held on entry, owned by the caller.</summary>
    Required,

    /// <summary>A handle parameter: a lock of unknown origin, never guessed at.</summary>
    Parameter,
}

/// <summary>One acquisition in a method.</summary>
/// <param name="Index">Its slot in every <see cref="LockState"/> of the method.</param>
/// <param name="Kind">The lock type; null only for a handle parameter.</param>
/// <param name="Path">Which lock; null when the code reaches it in a way the analysis does not name.</param>
/// <param name="Name">How diagnostics name it.</param>
/// <param name="Site">The acquiring operation (a call); null for locks held on entry.</param>
/// <param name="Location">The acquiring operation, or the method's or parameter's declaration.</param>
/// <param name="Parameter">The handle parameter, for <see cref="AcquisitionOrigin.Parameter"/>.</param>
/// <param name="ViaSummary">Acquired by a call into a method of this compilation whose body takes the lock.</param>
/// <param name="HasHandle">The acquiring call hands the caller a handle for it.</param>
/// <param name="Blocks">The acquiring call may block (<c>[Blocking]</c>, or a helper that reaches a wait).</param>
/// <param name="CanonicalTarget">
/// For one of the locks an <c>[AcquiresInCanonicalOrder]</c> call takes (directly or through a helper that
/// returns them): the attribute's name for it, which names its handle in the returned value; null otherwise.
/// </param>
internal sealed record Acquisition(
    int Index,
    AcquisitionOrigin Origin,
    LockKind? Kind,
    LockPath? Path,
    LockName Name,
    IOperation? Site,
    Location Location,
    IParameterSymbol? Parameter = null,
    bool ViaSummary = false,
    bool HasHandle = false,
    bool Blocks = false,
    string? CanonicalTarget = null)
{
    /// <summary>Taken with <paramref name="other"/> by one canonical-order call: they nest on purpose.</summary>
    public bool TakenInCanonicalOrderWith(Acquisition other) =>
        CanonicalTarget is not null && other.CanonicalTarget is not null && Site is not null && ReferenceEquals(Site, other.Site);

    public bool IsFromCall => Origin == AcquisitionOrigin.Call;

    /// <summary>Whether this acquisition may be of the lock <paramref name="kind"/>/<paramref name="path"/> names.</summary>
    public bool MayBe(LockKind kind, LockPath? path) => Kind is { } own && SameLock.MayBe(own, Path, kind, path);
}
