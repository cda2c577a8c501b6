using System.IO;

namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// Every way in and out of the file locks leaves the process's descriptor table (/proc/self/fd)
/// as it was. Alone in the process, since parallel tests open files.
/// </summary>
[Collection(NonParallelCollection.Name)]
public sealed class FileDescriptorTests : IDisposable
{
    private readonly TempLockDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Task<T> OnOwnThread<T>(Func<T> action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    [Fact]
    public void DomainUserdata_CreateExistsDestroyAndFailures_LeaveNoDescriptorOpen()
    {
        var before = OpenFileDescriptors.Baseline();

        DomainUserdata domain = _dir.Domain();
        _ = domain.Exists;
        domain.Destroy();
        Assert.Throws<LockDirectoryException>(() => new DomainUserdata(Path.Combine(_dir.Path, "missing"), "vm1"));
        if (Environment.IsPrivilegedProcess)
        {
            Assert.Throws<LockDirectoryException>(new DomainUserdata("/sys", "vm1").Create);
        }

        OpenFileDescriptors.AssertNoneOpenedSince(before);
    }

    [Fact]
    public void JsonLock_LockUnlockAndMisuse_LeaveNoDescriptorOpen()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        var qmp = new QmpLock(domain);
        var before = OpenFileDescriptors.Baseline();

        LockHandle handle = json.Lock();
        Assert.Throws<WrongLockException>(() => qmp.Unlock(handle));
        json.Unlock(handle);
        Assert.Throws<LockNotHeldException>(() => json.Unlock(handle));
        using (json.Lock())
        {
        }

        OpenFileDescriptors.AssertNoneOpenedSince(before);
    }

    [Fact]
    public void JsonLock_Failures_LeaveNoDescriptorOpen()
    {
        DomainUserdata gone = _dir.Domain("gone", create: false);
        DomainUserdata blocked = _dir.Domain("blocked");
        Directory.CreateDirectory(blocked.JsonLockPath);
        var before = OpenFileDescriptors.Baseline();

        Assert.Throws<DomainGoneException>(new JsonLock(gone).Lock);
        Assert.Throws<LockDirectoryException>(new JsonLock(blocked).Lock);

        OpenFileDescriptors.AssertNoneOpenedSince(before);
    }

    [Fact]
    public async Task JsonLock_DomainDestroyedWhileWaiting_LeavesNoDescriptorOpen()
    {
        DomainUserdata domain = _dir.Domain();
        var holderLock = new JsonLock(domain);
        var waiterLock = new JsonLock(domain);
        var before = OpenFileDescriptors.Baseline();

        LockHandle held = holderLock.Lock();
        Task<LockHandle> waiter;
        try
        {
            waiter = OnOwnThread(waiterLock.Lock);
            FlockTool.WaitUntil(() => FlockTool.SomeoneBlockedOn(domain.JsonLockPath), "the waiter blocks in flock");
            domain.Destroy();
        }
        finally
        {
            holderLock.Unlock(held);
        }

        await Assert.ThrowsAsync<DomainGoneException>(() => waiter.WaitAsync(FlockTool.Generous));
        OpenFileDescriptors.AssertNoneOpenedSince(before);
    }

    [Fact]
    public async Task QmpLock_LockUnlockMisuseAndFailures_LeaveNoDescriptorOpen()
    {
        DomainUserdata domain = _dir.Domain();
        DomainUserdata gone = _dir.Domain("gone", create: false);
        DomainUserdata blocked = _dir.Domain("blocked");
        Directory.CreateDirectory(blocked.QmpLockPath);
        var qmp = new QmpLock(domain);
        var json = new JsonLock(domain);
        var before = OpenFileDescriptors.Baseline();

        LockHandle handle = await qmp.LockAsync();
        Assert.Throws<WrongLockException>(() => json.Unlock(handle));
        qmp.Unlock(handle);
        Assert.Throws<LockNotHeldException>(() => qmp.Unlock(handle));
        await using (await qmp.LockAsync())
        {
        }

        await Assert.ThrowsAsync<DomainGoneException>(() => new QmpLock(gone).LockAsync().AsTask());
        await Assert.ThrowsAsync<LockDirectoryException>(() => new QmpLock(blocked).LockAsync().AsTask());

        OpenFileDescriptors.AssertNoneOpenedSince(before);
    }

    [Fact]
    public async Task QmpLock_DomainDestroyedWhilePolling_LeavesNoDescriptorOpen()
    {
        DomainUserdata domain = _dir.Domain();
        var holder = new QmpLock(domain);
        var waiter = new QmpLock(domain);
        var before = OpenFileDescriptors.Baseline();

        LockHandle held = await holder.LockAsync();
        Task<LockHandle> waiting = waiter.LockAsync().AsTask();
        await Task.Delay(FlockTool.StillWaiting);
        Assert.False(waiting.IsCompleted);
        domain.Destroy();
        await Assert.ThrowsAsync<DomainGoneException>(() => waiting.WaitAsync(FlockTool.Generous));
        holder.Unlock(held);

        OpenFileDescriptors.AssertNoneOpenedSince(before);
    }
}
