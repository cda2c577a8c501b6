using System.Threading;

namespace Toolstack.Runtime;

/// <summary>
/// The mutual exclusion under <see cref="DriverLock"/> and <see cref="DomainLock"/>: one
/// compare-and-swap to take and one to give back when uncontended, a semaphore to sleep on
/// otherwise. Not owned by a thread: any thread may release it (a handle passed along, a monitor
/// left on another thread), which rules out Monitor and System.Threading.Lock.
/// </summary>
/// <remarks>
/// <para>
/// Each acquisition gets a ticket, and only that ticket gives the mutex back
/// (<see cref="TryExit"/>): the give-back itself decides which of two releases of one handle
/// is the real one, so the handle needs no compare-and-swap of its own (issue 10: three atomic
/// operations per lock+unlock became two). Tickets come from <c>_lastTicket</c>, which only the
/// holder writes, and are never reused (64 bits), so a stale handle never matches a later holder.
/// </para>
/// <para>
/// Interleavings. (1) Two takers: one CAS from 0 wins; the other sees <see cref="Taking"/> or a
/// ticket and fails. (2) The winner writes its ticket while the word says <see cref="Taking"/>: no
/// TryExit can match (tickets are positive) and takers keep failing, so the write is private.
/// (3) Lost wake-up: a waiter increments <c>_waiters</c> (full fence) and then tries the CAS; an
/// exiter's CAS back to 0 (full fence) is followed by its read of <c>_waiters</c>. Both are
/// interlocked, so one is ordered first: either the waiter's CAS sees 0 and takes the mutex, or
/// the exiter sees the count and releases a permit, which the semaphore keeps even if the waiter
/// has not called Wait yet. A waiter that took the mutex by CAS leaves a spare permit behind: the
/// next sleeper wakes, retries, and sleeps again. (4) Two exits with one ticket: one CAS matches,
/// the other sees 0 or another ticket and returns false. Not fair: a releasing thread's next
/// Enter may barge ahead of a woken waiter, as with SemaphoreSlim.
/// </para>
/// </remarks>
internal sealed class ShortMutex
{
    /// <summary>The word while a winner writes its ticket: taken, but by no ticket yet.</summary>
    private const long Taking = -1;

    private readonly SemaphoreSlim _wakeUp = new(0);
    private long _owner;      // 0 free, Taking, or the holding acquisition's ticket
    private long _lastTicket; // written by the holder only
    private int _waiters;

    /// <summary>Takes the mutex if it is free; never waits. Returns its ticket, or 0 if it was taken.</summary>
    internal long TryEnterTicket()
    {
        if (Interlocked.CompareExchange(ref _owner, Taking, 0) != 0)
        {
            return 0;
        }

        // Ours: the previous holder's write of _lastTicket came before its exit, which our CAS saw.
        long ticket = _lastTicket + 1;
        _lastTicket = ticket;
        Volatile.Write(ref _owner, ticket);
        return ticket;
    }

    /// <summary>Takes the mutex, sleeping while another holder has it; returns the ticket.</summary>
    internal long EnterTicket()
    {
        long ticket = TryEnterTicket();
        return ticket != 0 ? ticket : EnterContended();
    }

    /// <summary>Gives the mutex back if <paramref name="ticket"/> holds it; false (and nothing done) otherwise.</summary>
    internal bool TryExit(long ticket)
    {
        // ticket > 0: a handle that never got a ticket (0) must not "free" a free mutex.
        if (ticket <= 0 || Interlocked.CompareExchange(ref _owner, 0, ticket) != ticket)
        {
            return false;
        }

        // The CAS was a full fence: this read comes after the store is visible (see remarks, (3)).
        if (Volatile.Read(ref _waiters) > 0)
        {
            _wakeUp.Release();
        }

        return true;
    }

    /// <summary>Whether <paramref name="ticket"/>'s acquisition holds the mutex now.</summary>
    internal bool IsHeldBy(long ticket) => ticket > 0 && Volatile.Read(ref _owner) == ticket;

    /// <summary>Takes the mutex if it is free, ticket discarded (tests; <see cref="Exit"/> gives it back).</summary>
    internal bool TryEnter() => TryEnterTicket() != 0;

    /// <summary>Takes the mutex, ticket discarded (tests; <see cref="Exit"/> gives it back).</summary>
    internal void Enter() => EnterTicket();

    /// <summary>Gives back the mutex, whoever's ticket holds it; the caller knows it is held.</summary>
    internal void Exit() => TryExit(Volatile.Read(ref _owner));

    private long EnterContended()
    {
        Interlocked.Increment(ref _waiters);
        try
        {
            // Registered before retrying: an exit from here on sees the count and wakes someone.
            long ticket;
            while ((ticket = TryEnterTicket()) == 0)
            {
                _wakeUp.Wait();
            }

            return ticket;
        }
        finally
        {
            Interlocked.Decrement(ref _waiters);
        }
    }
}
