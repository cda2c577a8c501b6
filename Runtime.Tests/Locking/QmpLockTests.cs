using System.IO;
using Mono.Unix.Native;

namespace Toolstack.Runtime.Tests.Locking;

public sealed class QmpLockTests : IDisposable
{
    private readonly TempLockDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // ---- constructor, Domain, Name ----

    [Fact]
    public void Ctor_NullDomain_ThrowsArgumentNullException()
    {
        var e = Assert.Throws<ArgumentNullException>(() => new QmpLock(null!));
        Assert.Equal("domain", e.ParamName);
    }

    [Fact]
    public void Ctor_TouchesNoFile_EvenForAMissingDomain()
    {
        var domain = new DomainUserdata(_dir.Path, "vm1");

        var qmp = new QmpLock(domain);

        Assert.Same(domain, qmp.Domain);
        Assert.Equal("vm1", qmp.Name);
        Assert.Contains("QmpLock 'vm1'", qmp.ToString(), StringComparison.Ordinal);
        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public void Level_IsTheOutermostSlowLock()
    {
        var qmp = new QmpLock(_dir.Domain());

        Assert.Equal(LockLevels.Qmp, qmp.Level);
        Assert.True(qmp.IsSlow);
        Assert.False(qmp.ForbidsBlocking);
    }

    // ---- LockAsync / Unlock ----

    [Fact]
    public async Task LockAsync_FreeLock_CompletesSynchronously()
    {
        var qmp = new QmpLock(_dir.Domain());

        ValueTask<LockHandle> locking = qmp.LockAsync();

        Assert.True(locking.IsCompletedSuccessfully);
        LockHandle handle = await locking;
        Assert.True(handle.IsHeld);
        Assert.Same(qmp, handle.Source);
        qmp.Unlock(handle);
    }

    [Fact]
    public async Task LockAsync_WhileHeld_LockFileExistsWithOwnerOnlyPermissions()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);

        await using LockHandle handle = await qmp.LockAsync();

        Assert.Equal($"{_dir.Path}/userdata-l.vm1.libxl-device-changes-lock", domain.QmpLockPath);
        Assert.True(File.Exists(domain.QmpLockPath));
        Assert.Equal(FilePermissions.S_IRUSR | FilePermissions.S_IWUSR, TempLockDirectory.PermissionsOf(domain.QmpLockPath));
        Assert.Equal(1, OpenFileDescriptors.CountOpenOn(domain.QmpLockPath));
        Assert.False(File.Exists(domain.JsonLockPath));
    }

    [Fact]
    public async Task Unlock_UnlinksLockFileAndClosesIt()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        LockHandle handle = await qmp.LockAsync();

        qmp.Unlock(handle);

        Assert.False(handle.IsHeld);
        Assert.False(File.Exists(domain.QmpLockPath));
        Assert.Equal(0, OpenFileDescriptors.CountOpenOn(domain.QmpLockPath));
        Assert.Equal([Path.GetFileName(domain.RecordPath)], _dir.Entries());
    }

    [Fact]
    public async Task Unlock_Twice_ThrowsLockNotHeldException()
    {
        var qmp = new QmpLock(_dir.Domain());
        LockHandle handle = await qmp.LockAsync();
        qmp.Unlock(handle);

        var e = Assert.Throws<LockNotHeldException>(() => qmp.Unlock(handle));

        Assert.Same(qmp, e.Lock);
        // The failed second release did not release the gate a second time: one holder at a time.
        LockHandle again = await qmp.LockAsync();
        ValueTask<LockHandle> second = qmp.LockAsync();
        Assert.False(second.IsCompleted);
        qmp.Unlock(again);
        qmp.Unlock(await second.AsTask().WaitAsync(FlockTool.Generous));
    }

    [Fact]
    public async Task Unlock_Null_ThrowsArgumentNullException()
    {
        var qmp = new QmpLock(_dir.Domain());
        await Task.Yield();

        Assert.Throws<ArgumentNullException>(() => qmp.Unlock(null!));
    }

    [Fact]
    public async Task Unlock_ThroughJsonLock_ThrowsWrongLockExceptionNamingBothAndKeepsTheLock()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        var json = new JsonLock(domain);
        LockHandle handle = await qmp.LockAsync();
        try
        {
            var e = Assert.Throws<WrongLockException>(() => json.Unlock(handle));

            Assert.Same(qmp, e.Issuer);
            Assert.Same(json, e.Releaser);
            Assert.Contains("QmpLock 'vm1'", e.Message, StringComparison.Ordinal);
            Assert.Contains("JsonLock 'vm1'", e.Message, StringComparison.Ordinal);
            Assert.True(handle.IsHeld);
            Assert.True(File.Exists(domain.QmpLockPath));
            Assert.Equal(1, OpenFileDescriptors.CountOpenOn(domain.QmpLockPath));
        }
        finally
        {
            qmp.Unlock(handle);
        }

        Assert.False(File.Exists(domain.QmpLockPath));
    }

    [Fact]
    public async Task Unlock_ThroughAnotherQmpLock_ThrowsWrongLockException()
    {
        var qmp1 = new QmpLock(_dir.Domain("vm1"));
        var qmp2 = new QmpLock(_dir.Domain("vm2"));
        LockHandle handle = await qmp1.LockAsync();
        try
        {
            var e = Assert.Throws<WrongLockException>(() => qmp2.Unlock(handle));

            Assert.Same(qmp1, e.Issuer);
            Assert.Same(qmp2, e.Releaser);
            Assert.Contains("QmpLock 'vm1'", e.Message, StringComparison.Ordinal);
            Assert.Contains("QmpLock 'vm2'", e.Message, StringComparison.Ordinal);
            Assert.True(handle.IsHeld);

            // qmp2's gate was not touched by the refused release.
            await using LockHandle other = await qmp2.LockAsync();
            Assert.True(other.IsHeld);
        }
        finally
        {
            qmp1.Unlock(handle);
        }
    }

    [Fact]
    public async Task Dispose_ReleasesAndNextLockAsyncCompletesSynchronously()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        LockHandle handle = await qmp.LockAsync();

        handle.Dispose();
        handle.Dispose();

        Assert.False(handle.IsHeld);
        Assert.False(File.Exists(domain.QmpLockPath));
        ValueTask<LockHandle> next = qmp.LockAsync();
        Assert.True(next.IsCompletedSuccessfully);
        (await next).Dispose();
    }

    [Fact]
    public async Task DisposeAsync_ReleasesAndNextLockAsyncCompletesSynchronously()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        LockHandle handle = await qmp.LockAsync();

        ValueTask disposing = handle.DisposeAsync();

        Assert.True(disposing.IsCompletedSuccessfully);
        await disposing;
        await handle.DisposeAsync();
        Assert.False(handle.IsHeld);
        Assert.False(File.Exists(domain.QmpLockPath));
        ValueTask<LockHandle> next = qmp.LockAsync();
        Assert.True(next.IsCompletedSuccessfully);
        await (await next).DisposeAsync();
    }

    // ---- waiting in this process ----

    [Fact]
    public async Task LockAsync_HeldBySameInstance_CompletesWhenReleased()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        LockHandle first = await qmp.LockAsync();

        ValueTask<LockHandle> second = qmp.LockAsync();
        Task<LockHandle> waiting = second.AsTask();
        await Task.Delay(FlockTool.StillWaiting);
        Assert.False(waiting.IsCompleted);

        qmp.Unlock(first);

        LockHandle handle = await waiting.WaitAsync(FlockTool.Generous);
        Assert.True(handle.IsHeld);
        Assert.True(File.Exists(domain.QmpLockPath));
        qmp.Unlock(handle);
    }

    [Fact]
    public async Task LockAsync_HeldByAnotherInstance_PollsTheFileAndCompletesWhenReleased()
    {
        DomainUserdata domain = _dir.Domain();
        var holder = new QmpLock(domain);
        var waiter = new QmpLock(domain);
        LockHandle held = await holder.LockAsync();

        Task<LockHandle> waiting = waiter.LockAsync().AsTask();
        await Task.Delay(FlockTool.StillWaiting);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(2, OpenFileDescriptors.CountOpenOn(domain.QmpLockPath)); // the holder's and the waiter's

        holder.Unlock(held);

        await using LockHandle handle = await waiting.WaitAsync(FlockTool.Generous);
        Assert.Same(waiter, handle.Source);
        Assert.Equal(1, OpenFileDescriptors.CountOpenOn(domain.QmpLockPath));
    }

    [Fact]
    public async Task LockAsync_TwoInstancesManyWaiters_OneHolderAtATime()
    {
        DomainUserdata domain = _dir.Domain();
        QmpLock[] locks = [new QmpLock(domain), new QmpLock(domain), new QmpLock(domain)];
        int inside = 0;
        int maxInside = 0;
        int total = 0;

        Task[] workers = Enumerable.Range(0, 30).Select(async i =>
        {
            await Task.Yield();
            await using LockHandle handle = await locks[i % locks.Length].LockAsync();
            int now = Interlocked.Increment(ref inside);
            if (now > Volatile.Read(ref maxInside))
            {
                Volatile.Write(ref maxInside, now);
            }

            await Task.Yield();
            total++;
            Interlocked.Decrement(ref inside);
        }).ToArray();

        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, maxInside);
        Assert.Equal(30, total);
        Assert.Equal([Path.GetFileName(domain.RecordPath)], _dir.Entries());
    }

    // ---- domain lifecycle ----

    [Fact]
    public async Task LockAsync_BeforeCreate_ThrowsDomainGoneExceptionAndLeavesNoFile()
    {
        var qmp = new QmpLock(_dir.Domain(create: false));

        ValueTask<LockHandle> locking = qmp.LockAsync();

        Assert.True(locking.IsFaulted);
        var e = await Assert.ThrowsAsync<DomainGoneException>(() => locking.AsTask());
        Assert.Equal("vm1", e.DomainId);
        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public async Task LockAsync_AfterDestroy_ThrowsDomainGoneExceptionAndLeavesNoFile()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        qmp.Unlock(await qmp.LockAsync());
        domain.Destroy();

        await Assert.ThrowsAsync<DomainGoneException>(() => qmp.LockAsync().AsTask());

        Assert.Empty(_dir.Entries());
        Assert.Equal(0, OpenFileDescriptors.CountOpenOn(domain.QmpLockPath));
        // The failure gave the gate back: once the domain exists again, the lock is free.
        domain.Create();
        ValueTask<LockHandle> again = qmp.LockAsync();
        Assert.True(again.IsCompletedSuccessfully);
        (await again).Dispose();
    }

    [Fact]
    public async Task LockAsync_DomainDestroyedWhileWaitingOnSameInstance_ThrowsDomainGoneException()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        LockHandle held = await qmp.LockAsync();
        Task<LockHandle> waiting = qmp.LockAsync().AsTask();
        Assert.False(waiting.IsCompleted);

        domain.Destroy();
        await Task.Delay(FlockTool.StillWaiting);
        Assert.False(waiting.IsCompleted); // queued behind the holder, which still holds
        qmp.Unlock(held);

        await Assert.ThrowsAsync<DomainGoneException>(() => waiting.WaitAsync(FlockTool.Generous));
        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public async Task LockAsync_DomainDestroyedWhileWaitingOnAnotherInstance_FailsWhileHolderStillHolds()
    {
        DomainUserdata domain = _dir.Domain();
        var holder = new QmpLock(domain);
        var waiter = new QmpLock(domain);
        LockHandle held = await holder.LockAsync();
        try
        {
            Task<LockHandle> waiting = waiter.LockAsync().AsTask();
            await Task.Delay(FlockTool.StillWaiting);
            Assert.False(waiting.IsCompleted);

            domain.Destroy();

            var e = await Assert.ThrowsAsync<DomainGoneException>(() => waiting.WaitAsync(FlockTool.Generous));
            Assert.Equal("vm1", e.DomainId);
            Assert.True(held.IsHeld);
            Assert.Equal(1, OpenFileDescriptors.CountOpenOn(domain.QmpLockPath)); // only the holder's
        }
        finally
        {
            holder.Unlock(held);
        }

        Assert.Empty(_dir.Entries());
    }

    // ---- lock-file failures ----

    [Fact]
    public async Task LockAsync_LockPathIsADirectory_ThrowsLockDirectoryExceptionAndHoldsNothing()
    {
        DomainUserdata domain = _dir.Domain();
        Directory.CreateDirectory(domain.QmpLockPath);
        var qmp = new QmpLock(domain);

        ValueTask<LockHandle> locking = qmp.LockAsync();

        Assert.True(locking.IsFaulted);
        var e = await Assert.ThrowsAsync<LockDirectoryException>(() => locking.AsTask());
        Assert.Equal("EISDIR", e.Errno);
        Assert.Contains(domain.QmpLockPath, e.Message, StringComparison.Ordinal);

        Directory.Delete(domain.QmpLockPath);
        ValueTask<LockHandle> again = qmp.LockAsync();
        Assert.True(again.IsCompletedSuccessfully);
        (await again).Dispose();
    }

    [Fact]
    public async Task LockAsync_WaiterFindsLockPathTurnedIntoADirectory_ThrowsLockDirectoryExceptionAndReleasesGate()
    {
        DomainUserdata domain = _dir.Domain();
        var holder = new QmpLock(domain);
        var waiter = new QmpLock(domain);
        LockHandle held = await holder.LockAsync();
        try
        {
            Task<LockHandle> waiting = waiter.LockAsync().AsTask();
            await Task.Delay(FlockTool.StillWaiting);
            Assert.False(waiting.IsCompleted);

            // The path stops naming the locked inode, so the polling waiter reopens it, and fails.
            File.Move(domain.QmpLockPath, domain.QmpLockPath + ".moved");
            Directory.CreateDirectory(domain.QmpLockPath);

            var e = await Assert.ThrowsAsync<LockDirectoryException>(() => waiting.WaitAsync(FlockTool.Generous));
            Assert.Equal("EISDIR", e.Errno);
            Assert.Equal(1, OpenFileDescriptors.CountOpenOn(domain.QmpLockPath + ".moved")); // only the holder's

            // The waiter's instance gave its gate back.
            Directory.Delete(domain.QmpLockPath);
            ValueTask<LockHandle> again = waiter.LockAsync();
            Assert.True(again.IsCompletedSuccessfully);
            (await again).Dispose();
        }
        finally
        {
            holder.Unlock(held);
        }
    }
}
