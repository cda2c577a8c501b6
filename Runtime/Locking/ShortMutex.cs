using System.Threading;

namespace Toolstack.Runtime;

/// <summary>
/// The mutual exclusion under <see cref="DriverLock"/> and <see cref="DomainLock"/>: one
/// compare-and-swap to take and one exchange to give back when uncontended, a semaphore to sleep
/// on otherwise. Not owned by a thread: any thread may release it (a handle passed along, a
/// monitor left on another thread), which rules out Monitor and System.Threading.Lock.
/// </summary>
/// <remarks>
/// Measured (bench/runtime): SemaphoreSlim takes its own Monitor on every Wait and Release, which
/// was most of DomainLock's 65 ns. Not fair: a releasing thread's next Enter may barge ahead of a
/// woken waiter, as with SemaphoreSlim.
/// </remarks>
internal sealed class ShortMutex
{
    private readonly SemaphoreSlim _wakeUp = new(0);
    private int _taken;
    private int _waiters;

    /// <summary>Takes the mutex if it is free; never waits.</summary>
    internal bool TryEnter() => Interlocked.CompareExchange(ref _taken, 1, 0) == 0;

    /// <summary>Takes the mutex, sleeping while another holder has it.</summary>
    internal void Enter()
    {
        if (!TryEnter())
        {
            EnterContended();
        }
    }

    /// <summary>Gives the mutex back; the caller holds it.</summary>
    internal void Exit()
    {
        // A full fence, not a release write: the waiter count must be read after the store is
        // visible, or a waiter that registered meanwhile and then saw the mutex taken would sleep on.
        Interlocked.Exchange(ref _taken, 0);
        if (Volatile.Read(ref _waiters) > 0)
        {
            _wakeUp.Release();
        }
    }

    private void EnterContended()
    {
        Interlocked.Increment(ref _waiters);
        try
        {
            // Registered before retrying: an Exit from here on sees the count and wakes someone.
            // A wake-up may find the mutex taken again (barging) or be left over: try, then sleep.
            while (!TryEnter())
            {
                _wakeUp.Wait();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waiters);
        }
    }
}
