using System.Diagnostics.CodeAnalysis;

namespace Toolstack.Runtime;

/// <summary>
/// The non-waiting acquisition of an in-memory lock: take the mutex if it is free, and only then
/// tell the validator, which may still refuse the order (then the mutex is given straight back).
/// </summary>
internal static class ShortTryLock
{
    /// <summary>True with <paramref name="handle"/> held if <paramref name="mutex"/> was free; false at once otherwise.</summary>
    /// <exception cref="LockOrderException">Validation is on and a lock at or inside this level is held; nothing is held.</exception>
    internal static bool TryEnter(HierarchicalLock owner, ShortMutex mutex, [MaybeNullWhen(false)] out LockHandle handle)
    {
        long ticket = mutex.TryEnterTicket();
        if (ticket == 0)
        {
            handle = null;
            return false;
        }

        var taken = new LockHandle(owner);
        if (LockValidator.IsEnabled)
        {
            try
            {
                LockValidator.OnAcquiring(taken);
            }
            catch
            {
                mutex.TryExit(ticket);
                throw;
            }
        }

        // The ticket is what releases it (Unlock, Dispose): set before the handle is published as held.
        taken.Ticket = ticket;
        taken.MarkHeld();
        handle = taken;
        return true;
    }
}
