using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Toolstack.Runtime;

namespace Toolstack.Samples.Mistakes;

/// <summary>One method per mistake; everything else in each method is right.</summary>
public sealed class Mistakes
{
    private readonly DriverLock _driver = new();
    private readonly DomainLock _vm1 = new("vm1");
    private readonly DomainLock _vm2 = new("vm2");
    private readonly Domain _domain = new("vm3");
    private readonly Dictionary<string, string> _cache = new();

    // TSL1001: the domain lock is inner to the driver lock; take the driver lock first.
    public void DriverAfterDomain()
    {
        using LockHandle vm = _vm1.Lock();
        using LockHandle driver = _driver.Lock();
    }

    // TSL1002: sleeping under the driver lock stalls every API call (libvirt, 2011).
    public void SleepUnderDriverLock()
    {
        using LockHandle driver = _driver.Lock();
        Thread.Sleep(100);
    }

    // TSL1003: vm1's handle released through vm2's lock; vm1 stays locked.
    public void UnlockThroughWrongLock()
    {
        LockHandle vm = _vm1.Lock();
        _vm2.Unlock(vm);
    }

    // TSL1004: a QMP call with the domain lock held; enter the monitor instead.
    public async Task QmpCallUnderDomainLock(QmpClient qmp)
    {
        LockHandle vm = _vm1.Lock();
        try
        {
            await qmp.StopAsync();
        }
        finally
        {
            _vm1.Unlock(vm);
        }
    }

    // TSL1005: the early return leaves the driver lock held.
    public int LeakOnEarlyReturn(int domains)
    {
        LockHandle driver = _driver.Lock();
        if (domains == 0)
        {
            return 0;
        }

        _driver.Unlock(driver);
        return domains;
    }

    // TSL1006: released twice.
    public void ReleaseTwice()
    {
        LockHandle vm = _vm1.Lock();
        _vm1.Unlock(vm);
        _vm1.Unlock(vm);
    }

    // TSL1007: awaiting with the domain lock held.
    public async Task AwaitUnderDomainLock()
    {
        using LockHandle vm = _vm1.Lock();
        await Task.Yield();
    }

    // TSL1008: the domain's state changed without its lock.
    public void ChangeStateWithoutLock() => _domain.State = DomainRunState.Paused;

    // TSL1009: if Refresh throws, the driver lock is never released.
    public void ReleaseOnNormalPathOnly()
    {
        LockHandle driver = _driver.Lock();
        Refresh();
        _driver.Unlock(driver);
    }

    // TSL1002: when 'exclusive' is true, the driver lock is held across the sleep (correlated branches: no leak, a real stall).
    public void SleepUnderConditionalDriverLock(bool exclusive)
    {
        LockHandle driver = default!;
        if (exclusive)
        {
            driver = _driver.Lock();
        }

        Thread.Sleep(10);
        if (exclusive)
        {
            _driver.Unlock(driver);
        }
    }

    // TSL1004: a QMP call inside `lock (_cache)`: every lock statement is a short lock too.
    public Task QmpCallInsideLockStatement(QmpClient qmp)
    {
        lock (_cache)
        {
            _cache.Clear();
            return qmp.StopAsync();
        }
    }

    // TSL1010: a counter the domain lock guards, bumped without it.
    [GuardedBy(nameof(_vm1))]
    private int _generation;

    public void BumpGenerationWithoutLock() => _generation++;

    // TSL1011: the CD-ROM reaches QEMU before the JSON config describes it (libxl, 2019).
    public async Task AddBeforeDescribe(QmpLock slowLock, JsonLock jsonLock, QmpClient qmp, DomainConfig config)
    {
        await using LockHandle slow = await slowLock.LockAsync();
        await qmp.DeviceAddAsync("ide-cd", "cd1");
        using LockHandle json = jsonLock.Lock();
        DomainConfigFile.Write(json, config);
    }

    private void Refresh()
    {
    }
}
