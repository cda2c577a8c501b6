using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Toolstack.Runtime;

/// <summary>Two domains' locks at once, in one canonical order (lockdep's <c>nest_lock</c>).</summary>
public sealed partial class DomainLock
{
    private static long s_lastOrder;

    // The canonical order: a sequence number taken at construction. Unique (64 bits never wrap),
    // fixed for the lock's life, and independent of argument order; a hash code could collide,
    // and two locks with equal keys would have no order between them.
    private readonly long _order = Interlocked.Increment(ref s_lastOrder);

    /// <summary>
    /// Acquires the locks of two different domains, always in the same order whatever the order of
    /// the arguments, so that <c>LockBoth(a, b)</c> and <c>LockBoth(b, a)</c> on two threads never
    /// deadlock. The only way to hold two locks of the domain level at once.
    /// </summary>
    /// <param name="first">One domain's lock; its handle is <see cref="LockPair.First"/>.</param>
    /// <param name="second">Another domain's lock; its handle is <see cref="LockPair.Second"/>.</param>
    /// <param name="callerName">The calling member, for <see cref="LockOrderException"/> (compiler-supplied).</param>
    /// <param name="callerFile">The calling source file (compiler-supplied).</param>
    /// <param name="callerLine">The calling line (compiler-supplied).</param>
    /// <returns>Both handles; dispose the pair to release both (or release each handle).</returns>
    /// <exception cref="ArgumentNullException">A lock is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="first"/> and <paramref name="second"/> are the same lock; nothing is held.</exception>
    /// <exception cref="LockOrderException">Validation is on and a lock at or inside the domain level is held; nothing is held.</exception>
    /// <remarks>
    /// With validation on, the second lock is accepted although a lock of its level is held: the
    /// first lock of this same call. Any other nesting of two domains' locks still throws. If the
    /// second acquisition fails, the first is released before the exception leaves.
    /// </remarks>
    [AcquiresInCanonicalOrder(typeof(DomainLock), nameof(first), nameof(second))]
    public static LockPair LockBoth(DomainLock first, DomainLock second,
        [CallerMemberName] string callerName = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (ReferenceEquals(first, second))
        {
            throw new ArgumentException($"LockBoth needs the locks of two different domains; both arguments are {first}.", nameof(second));
        }

        bool firstIsOuter = first._order < second._order;
        DomainLock outer = firstIsOuter ? first : second;
        DomainLock inner = firstIsOuter ? second : first;

        LockHandle outerHandle = outer.AcquireShort(outer._mutex, callerName, callerFile, callerLine);
        outer.SetHolder(outerHandle);
        LockHandle innerHandle;
        try
        {
            innerHandle = inner.AcquireShort(inner._mutex, callerName, callerFile, callerLine, nestedUnder: outerHandle);
        }
        catch
        {
            outer.Unlock(outerHandle);
            throw;
        }

        inner.SetHolder(innerHandle);
        return firstIsOuter
            ? new LockPair(outerHandle, innerHandle, firstTakenFirst: true)
            : new LockPair(innerHandle, outerHandle, firstTakenFirst: false);
    }
}
