using System.Threading;
using BenchmarkDotNet.Attributes;
using Toolstack.Runtime;

namespace Toolstack.Bench.Runtime;

/// <summary>
/// Uncontended lock+unlock of the in-memory locks, validator off and on, against
/// System.Threading.Lock in the same run (issue 10 targets: at most 1.5× off, 4× on).
/// </summary>
[MemoryDiagnoser]
public class LockBenchmarks
{
    private readonly Lock _system = new();
    private readonly DomainLock _domain = new("bench-vm");
    private readonly DriverLock _driver = new();

    [GlobalSetup(Targets = [nameof(SystemThreadingLock), nameof(DomainLockOff), nameof(DriverLockOff)])]
    public void ValidatorOff() => LockValidator.IsEnabled = false;

    [GlobalSetup(Targets = [nameof(DomainLockOn), nameof(DriverLockOn), nameof(DriverThenDomainOn)])]
    public void ValidatorOn() => LockValidator.IsEnabled = true;

    [GlobalCleanup]
    public void Cleanup() => LockValidator.IsEnabled = false;

    [Benchmark(Baseline = true)]
    public void SystemThreadingLock()
    {
        _system.Enter();
        _system.Exit();
    }

    [Benchmark]
    public void DomainLockOff()
    {
        LockHandle handle = _domain.Lock();
        _domain.Unlock(handle);
    }

    [Benchmark]
    public void DriverLockOff()
    {
        LockHandle handle = _driver.Lock();
        _driver.Unlock(handle);
    }

    [Benchmark]
    public void DomainLockOn()
    {
        LockHandle handle = _domain.Lock();
        _domain.Unlock(handle);
    }

    [Benchmark]
    public void DriverLockOn()
    {
        LockHandle handle = _driver.Lock();
        _driver.Unlock(handle);
    }

    /// <summary>Two nested locks in order: what the validator checks on every real acquisition.</summary>
    [Benchmark]
    public void DriverThenDomainOn()
    {
        LockHandle driver = _driver.Lock();
        LockHandle domain = _domain.Lock();
        _domain.Unlock(domain);
        _driver.Unlock(driver);
    }
}
