using System;
using System.Threading.Tasks;

namespace Toolstack.Runtime;

/// <summary>
/// The two handles <see cref="DomainLock.LockBoth"/> took, in argument order: <see cref="First"/>
/// is the first argument's lock, <see cref="Second"/> the second's, whichever was taken first.
/// </summary>
/// <remarks>
/// Release both by disposing the pair (reverse acquisition order; idempotent, like a handle's
/// <c>Dispose</c>), or each handle through its lock's <c>Unlock</c> or its own <c>Dispose</c>.
/// </remarks>
public readonly record struct LockPair : IDisposable, IAsyncDisposable
{
    private readonly bool _firstTakenFirst;

    internal LockPair(LockHandle first, LockHandle second, bool firstTakenFirst)
    {
        First = first;
        Second = second;
        _firstTakenFirst = firstTakenFirst;
    }

    /// <summary>The handle of the first argument's lock.</summary>
    public LockHandle First { get; }

    /// <summary>The handle of the second argument's lock.</summary>
    public LockHandle Second { get; }

    /// <summary>The handle of the lock taken first (the outer one in the canonical order).</summary>
    public LockHandle TakenFirst => _firstTakenFirst ? First : Second;

    /// <summary>The handle of the lock taken second (the inner one), which is released first.</summary>
    public LockHandle TakenSecond => _firstTakenFirst ? Second : First;

    /// <summary>Releases both locks still held, the one taken second first.</summary>
    [ReleasesLock]
    public void Dispose()
    {
        // A default pair holds nothing; a handle released already is skipped by its Dispose.
        try
        {
            TakenSecond?.Dispose();
        }
        finally
        {
            TakenFirst?.Dispose();
        }
    }

    /// <summary>Releases both locks still held, the one taken second first.</summary>
    /// <remarks>Completes synchronously: releasing never waits.</remarks>
    [ReleasesLock]
    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }
}
