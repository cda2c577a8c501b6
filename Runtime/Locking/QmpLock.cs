using System;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using System.Threading.Tasks;

namespace Toolstack.Runtime;

/// <summary>
/// libxl's per-domain "slow lock" (file <c>libxl-device-changes-lock</c>): a cross-process
/// flock(2) lock held across QMP work, so that device changes of one domain happen one at a time.
/// </summary>
/// <remarks>
/// <para>
/// Level <see cref="LockLevels.Qmp"/>, outermost: it may not be acquired while any other lock is
/// held. It may be held across <c>await</c> and QMP calls.
/// </para>
/// <para>
/// <see cref="LockAsync"/> never blocks a thread while it waits (libxl's rule for the slow
/// lock). Waiters in this process queue on an in-memory gate, so only the first of them
/// contends for the file; it retries a non-blocking flock with a capped back-off, which is what
/// lets a holder in another process hand over to it.
/// </para>
/// </remarks>
[LockLevel(LockLevels.Qmp, IsSlow = true)]
public sealed class QmpLock : HierarchicalLock
{
    private static readonly TimeSpan s_firstRetry = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan s_longestRetry = TimeSpan.FromMilliseconds(25);

    private readonly LockFile _file;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Creates the slow lock of <paramref name="domain"/>; touches no file.</summary>
    public QmpLock(DomainUserdata domain) : base(domain?.DomainId ?? throw new ArgumentNullException(nameof(domain)))
    {
        Domain = domain;
        _file = new LockFile(domain, domain.QmpLockPath);
    }

    /// <summary>The domain whose device changes this lock serialises.</summary>
    public DomainUserdata Domain { get; }

    /// <summary>
    /// Acquires the lock without blocking the calling thread: completes at once when the lock is
    /// free, otherwise when it is handed over.
    /// </summary>
    /// <param name="ct">Cancels the wait; nothing is held and no descriptor stays open afterwards.</param>
    /// <returns>The handle; release it with <see cref="Unlock"/> or by disposing it.</returns>
    /// <exception cref="DomainGoneException">The domain does not exist, or was destroyed while waiting.</exception>
    /// <exception cref="LockDirectoryException">The lock file cannot be created or locked.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled first.</exception>
    /// <exception cref="LockOrderException">Validation is on and another lock is held.</exception>
    [AcquiresLock(typeof(QmpLock))]
    public ValueTask<LockHandle> LockAsync(CancellationToken ct = default)
    {
        if (ct.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<LockHandle>(ct);
        }

        // In the caller's flow, so the validator records the lock where the caller continues.
        LockHandle handle = BeginAcquire();
        if (!_gate.Wait(0))
        {
            return new ValueTask<LockHandle>(WaitForGateAsync(handle, ct));
        }

        int fd = -1;
        LockFile.Attempt attempt;
        try
        {
            do
            {
                attempt = _file.TryAcquire(ref fd);
            }
            while (attempt == LockFile.Attempt.RetryNow);
        }
        catch (Exception e)
        {
            _gate.Release();
            AbandonAcquire(handle);
            return ValueTask.FromException<LockHandle>(e);
        }

        if (attempt == LockFile.Attempt.Acquired)
        {
            handle.FileDescriptor = fd;
            return new ValueTask<LockHandle>(CompleteAcquire(handle));
        }

        return new ValueTask<LockHandle>(WaitForFileAsync(handle, fd, ct));
    }

    /// <summary>
    /// Acquires the lock only if it is free now (flock with <c>LOCK_NB</c>, libxl's first step);
    /// never waits, neither on another process nor on a waiter of this one.
    /// </summary>
    /// <param name="handle">On success the handle (release it with <see cref="Unlock"/> or by disposing it); null otherwise.</param>
    /// <returns>
    /// True with the lock held; false, with nothing held, no descriptor left open and no file
    /// left behind that it did not find, when another process or flow holds it or waits first.
    /// </returns>
    /// <exception cref="DomainGoneException">The domain does not exist.</exception>
    /// <exception cref="LockDirectoryException">The lock file cannot be created or locked.</exception>
    /// <exception cref="LockOrderException">Validation is on and another lock is held; nothing is held.</exception>
    [TryAcquiresLock(typeof(QmpLock))]
    public bool TryLock([MaybeNullWhen(false)] out LockHandle handle)
    {
        handle = null;
        if (!_gate.Wait(0))
        {
            return false;
        }

        int fd;
        try
        {
            fd = _file.TryAcquireNow();
        }
        catch
        {
            _gate.Release();
            throw;
        }

        if (fd < 0)
        {
            // Busy: the file is another holder's.
            _gate.Release();
            return false;
        }

        // A refused order gives the file and the gate straight back, as an Unlock would.
        handle = AdmitTaken(new LockHandle(this) { FileDescriptor = fd }, ReleaseCore);
        return true;
    }

    /// <summary>
    /// Releases a handle this lock issued: unlinks the lock file if it is still the one it locked
    /// (never a re-created domain's), closes it, and admits the next waiter.
    /// </summary>
    /// <exception cref="WrongLockException">Another lock issued <paramref name="handle"/>.</exception>
    /// <exception cref="LockNotHeldException"><paramref name="handle"/> was already released.</exception>
    [ReleasesLock(typeof(QmpLock))]
    public void Unlock(LockHandle handle) => Release(handle);

    /// <inheritdoc />
    protected override void ReleaseCore(LockHandle handle)
    {
        int fd = handle.FileDescriptor;
        handle.FileDescriptor = -1;
        try
        {
            _file.Release(fd);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<LockHandle> WaitForGateAsync(LockHandle handle, CancellationToken ct)
    {
        try
        {
            await _gate.WaitAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            AbandonAcquire(handle);
            throw;
        }

        return await WaitForFileAsync(handle, -1, ct).ConfigureAwait(false);
    }

    /// <summary>Holding the gate: retries the file until it is ours. Owns <paramref name="fd"/>.</summary>
    private async Task<LockHandle> WaitForFileAsync(LockHandle handle, int fd, CancellationToken ct)
    {
        TimeSpan delay = s_firstRetry;
        try
        {
            while (true)
            {
                // A cancellation requested while we waited wins over a hand-over that overtook its
                // processing: SemaphoreSlim grants a cancelled WaitAsync if Release runs before
                // the cancellation's continuation does, and a Task.Delay that had already finished
                // does not observe the token. A caller who gave up must not be handed the lock.
                ct.ThrowIfCancellationRequested();
                LockFile.Attempt attempt = _file.TryAcquire(ref fd);
                if (attempt == LockFile.Attempt.Acquired)
                {
                    if (ct.IsCancellationRequested)
                    {
                        // Cancelled while the try ran: give the lock straight back.
                        int locked = fd;
                        fd = -1;
                        _file.Release(locked);
                        ct.ThrowIfCancellationRequested();
                    }

                    handle.FileDescriptor = fd;
                    return CompleteAcquire(handle);
                }

                if (attempt == LockFile.Attempt.Busy)
                {
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, s_longestRetry.Ticks));
                }
            }
        }
        catch
        {
            if (fd >= 0)
            {
                LockFile.Close(fd);
            }

            _gate.Release();
            AbandonAcquire(handle);
            throw;
        }
    }
}
