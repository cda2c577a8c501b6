using System.Threading;

namespace Toolstack.Runtime;

/// <summary>
/// The lock of one domain object (libvirt's virDomainObj lock): guards the domain's in-memory
/// state, held briefly.
/// </summary>
/// <remarks>
/// Level <see cref="LockLevels.Domain"/>: taken after the <see cref="DriverLock"/>, before the
/// domain's <see cref="JsonLock"/>. While it is held: no <c>await</c> and no QMP call (enter the
/// monitor, which releases it, instead). Two domains' locks may not be nested. Not re-entrant.
/// </remarks>
[LockLevel(LockLevels.Domain)]
public sealed class DomainLock : HierarchicalLock
{
    private readonly SemaphoreSlim _mutex = new(1, 1);

    /// <summary>Creates the lock of the domain named <paramref name="name"/>.</summary>
    public DomainLock(string name) : base(name) { }

    /// <summary>Acquires the lock, waiting while another thread holds it.</summary>
    /// <returns>The handle; release it with <see cref="Unlock"/> or by disposing it.</returns>
    /// <exception cref="LockOrderException">Validation is on and a lock at or inside this level is held.</exception>
    [AcquiresLock(typeof(DomainLock))]
    public LockHandle Lock()
    {
        LockHandle handle = BeginAcquire();
        try
        {
            _mutex.Wait();
        }
        catch
        {
            // The wait was interrupted (Thread.Interrupt): nothing is held, so the validator
            // must not go on believing this flow holds the lock.
            AbandonAcquire(handle);
            throw;
        }

        return CompleteAcquire(handle);
    }

    /// <summary>Releases a handle this lock issued.</summary>
    /// <exception cref="WrongLockException">Another lock issued <paramref name="handle"/>.</exception>
    /// <exception cref="LockNotHeldException"><paramref name="handle"/> was already released.</exception>
    [ReleasesLock(typeof(DomainLock))]
    public void Unlock(LockHandle handle) => Release(handle);

    /// <inheritdoc />
    protected override void ReleaseCore(LockHandle handle) => _mutex.Release();
}
