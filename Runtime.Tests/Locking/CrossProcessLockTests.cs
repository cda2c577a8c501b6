using System.Diagnostics;
using System.IO;

namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// JsonLock and QmpLock against a real other process, flock(1) from util-linux, on the same file:
/// they exclude each other both ways, as libxl and our runtime must.
/// </summary>
public sealed class CrossProcessLockTests : IDisposable
{
    private readonly TempLockDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Task<T> OnOwnThread<T>(Func<T> action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    // ---- JsonLock ----

    [Fact]
    public async Task JsonLock_HeldByFlockProcess_LockWaitsUntilTheProcessReleases()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        using FlockHolder holder = FlockHolder.Start(domain.JsonLockPath);

        Task<LockHandle> waiter = OnOwnThread(json.Lock);
        FlockTool.WaitUntil(() => FlockTool.SomeoneBlockedOn(domain.JsonLockPath), "Lock() blocks in flock");
        await Task.Delay(FlockTool.StillWaiting);
        Assert.False(waiter.IsCompleted);

        holder.Release();

        LockHandle handle = await waiter.WaitAsync(FlockTool.Generous);
        Assert.True(handle.IsHeld);
        Assert.Equal(1, FlockTool.TryLockOnce(domain.JsonLockPath)); // now ours excludes the other process
        json.Unlock(handle);
        Assert.False(File.Exists(domain.JsonLockPath));
    }

    [Fact]
    public void JsonLock_Held_NonBlockingFlockFailsUntilUnlock()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        LockHandle handle = json.Lock();
        try
        {
            Assert.Equal(1, FlockTool.TryLockOnce(domain.JsonLockPath));
        }
        finally
        {
            json.Unlock(handle);
        }

        Assert.False(File.Exists(domain.JsonLockPath)); // unlinked on release
        Assert.Equal(0, FlockTool.TryLockOnce(domain.JsonLockPath));
    }

    [Fact]
    public void JsonLock_Held_BlockingFlockWaitsUntilUnlock()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        LockHandle handle = json.Lock();
        using Process other = FlockTool.StartBlockingTrue(domain.JsonLockPath);
        try
        {
            FlockTool.WaitUntil(() => FlockTool.SomeoneBlockedOn(domain.JsonLockPath), "flock(1) blocks");
            Assert.False(other.WaitForExit(FlockTool.StillWaiting));

            json.Unlock(handle);

            Assert.True(other.WaitForExit(FlockTool.Generous));
            Assert.Equal(0, other.ExitCode);
        }
        finally
        {
            FlockTool.Kill(other);
            handle.Dispose();
        }
    }

    [Fact]
    public void JsonLock_Dispose_ReleasesForOtherProcesses()
    {
        DomainUserdata domain = _dir.Domain();
        LockHandle handle = new JsonLock(domain).Lock();
        Assert.Equal(1, FlockTool.TryLockOnce(domain.JsonLockPath));

        handle.Dispose();

        Assert.False(File.Exists(domain.JsonLockPath));
        Assert.Equal(0, FlockTool.TryLockOnce(domain.JsonLockPath));
    }

    [Fact]
    public async Task JsonLock_DisposeAsync_ReleasesForOtherProcesses()
    {
        DomainUserdata domain = _dir.Domain();
        LockHandle handle = new JsonLock(domain).Lock();
        Assert.Equal(1, FlockTool.TryLockOnce(domain.JsonLockPath));

        await handle.DisposeAsync();

        Assert.False(File.Exists(domain.JsonLockPath));
        Assert.Equal(0, FlockTool.TryLockOnce(domain.JsonLockPath));
    }

    [Fact]
    public async Task JsonLock_DomainDestroyedWhileFlockProcessHolds_WaiterThrowsDomainGoneWhenItReleases()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        using FlockHolder holder = FlockHolder.Start(domain.JsonLockPath);
        Task<LockHandle> waiter = OnOwnThread(json.Lock);
        FlockTool.WaitUntil(() => FlockTool.SomeoneBlockedOn(domain.JsonLockPath), "Lock() blocks in flock");

        domain.Destroy();
        Assert.False(File.Exists(domain.JsonLockPath));
        holder.Release();

        var e = await Assert.ThrowsAsync<DomainGoneException>(() => waiter.WaitAsync(FlockTool.Generous));
        Assert.Equal("vm1", e.DomainId);
        Assert.Empty(_dir.Entries());
    }

    // ---- QmpLock ----

    [Fact]
    public async Task QmpLock_HeldByFlockProcess_LockAsyncWaitsUntilTheProcessReleases()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        using FlockHolder holder = FlockHolder.Start(domain.QmpLockPath);

        ValueTask<LockHandle> locking = qmp.LockAsync();
        Assert.False(locking.IsCompleted);
        Task<LockHandle> waiter = locking.AsTask();
        await Task.Delay(FlockTool.StillWaiting);
        Assert.False(waiter.IsCompleted);
        Assert.False(FlockTool.SomeoneBlockedOn(domain.QmpLockPath)); // polls with LOCK_NB: no thread blocked in flock

        holder.Release();

        LockHandle handle = await waiter.WaitAsync(FlockTool.Generous);
        Assert.True(handle.IsHeld);
        Assert.Equal(1, FlockTool.TryLockOnce(domain.QmpLockPath));
        qmp.Unlock(handle);
        Assert.False(File.Exists(domain.QmpLockPath));
    }

    [Fact]
    public async Task QmpLock_Held_NonBlockingFlockFailsUntilUnlock()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        LockHandle handle = await qmp.LockAsync();
        try
        {
            Assert.Equal(1, FlockTool.TryLockOnce(domain.QmpLockPath));
        }
        finally
        {
            qmp.Unlock(handle);
        }

        Assert.False(File.Exists(domain.QmpLockPath));
        Assert.Equal(0, FlockTool.TryLockOnce(domain.QmpLockPath));
    }

    [Fact]
    public async Task QmpLock_Held_BlockingFlockWaitsUntilUnlock()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        LockHandle handle = await qmp.LockAsync();
        using Process other = FlockTool.StartBlockingTrue(domain.QmpLockPath);
        try
        {
            FlockTool.WaitUntil(() => FlockTool.SomeoneBlockedOn(domain.QmpLockPath), "flock(1) blocks");
            await Task.Delay(FlockTool.StillWaiting);
            Assert.False(other.HasExited);

            qmp.Unlock(handle);

            await other.WaitForExitAsync().WaitAsync(FlockTool.Generous);
            Assert.Equal(0, other.ExitCode);
        }
        finally
        {
            FlockTool.Kill(other);
            handle.Dispose();
        }
    }

    [Fact]
    public async Task QmpLock_Dispose_ReleasesForOtherProcesses()
    {
        DomainUserdata domain = _dir.Domain();
        LockHandle handle = await new QmpLock(domain).LockAsync();
        Assert.Equal(1, FlockTool.TryLockOnce(domain.QmpLockPath));

        handle.Dispose();

        Assert.False(File.Exists(domain.QmpLockPath));
        Assert.Equal(0, FlockTool.TryLockOnce(domain.QmpLockPath));
    }

    [Fact]
    public async Task QmpLock_DisposeAsync_ReleasesForOtherProcesses()
    {
        DomainUserdata domain = _dir.Domain();
        LockHandle handle = await new QmpLock(domain).LockAsync();
        Assert.Equal(1, FlockTool.TryLockOnce(domain.QmpLockPath));

        await handle.DisposeAsync();

        Assert.False(File.Exists(domain.QmpLockPath));
        Assert.Equal(0, FlockTool.TryLockOnce(domain.QmpLockPath));
    }

    [Fact]
    public async Task QmpLock_DomainDestroyedWhileFlockProcessKeepsHolding_WaiterFailsPromptly()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        using FlockHolder holder = FlockHolder.Start(domain.QmpLockPath);
        Task<LockHandle> waiter = qmp.LockAsync().AsTask();
        await Task.Delay(FlockTool.StillWaiting);
        Assert.False(waiter.IsCompleted);

        var watch = Stopwatch.StartNew();
        domain.Destroy();

        // The holder never lets go; the waiter notices the path no longer names its inode.
        var e = await Assert.ThrowsAsync<DomainGoneException>(() => waiter.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal("vm1", e.DomainId);
        Assert.False(holder.HasExited);
        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public async Task QmpLock_AndFlockProcess_TakeTurnsOnTheSameFile()
    {
        // Ours, then the process, then ours again: each hand-over goes through the file.
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        for (int round = 0; round < 3; round++)
        {
            LockHandle ours = await qmp.LockAsync();
            using Process other = FlockTool.StartBlockingTrue(domain.QmpLockPath);
            try
            {
                FlockTool.WaitUntil(() => FlockTool.SomeoneBlockedOn(domain.QmpLockPath), "flock(1) blocks");
                qmp.Unlock(ours);
                await other.WaitForExitAsync().WaitAsync(FlockTool.Generous);
                Assert.Equal(0, other.ExitCode);
            }
            finally
            {
                FlockTool.Kill(other);
                ours.Dispose();
            }
        }
    }
}
