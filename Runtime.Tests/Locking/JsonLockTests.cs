using System.IO;
using Mono.Unix.Native;

namespace Toolstack.Runtime.Tests.Locking;

public sealed class JsonLockTests : IDisposable
{
    private readonly TempLockDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Runs <paramref name="action"/> on a dedicated thread, so a blocked Lock() holds no pool thread.</summary>
    private static Task<T> OnOwnThread<T>(Func<T> action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    // ---- constructor, Domain, Name ----

    [Fact]
    public void Ctor_NullDomain_ThrowsArgumentNullException()
    {
        var e = Assert.Throws<ArgumentNullException>(() => new JsonLock(null!));
        Assert.Equal("domain", e.ParamName);
    }

    [Fact]
    public void Ctor_TouchesNoFile_EvenForAMissingDomain()
    {
        var domain = new DomainUserdata(_dir.Path, "vm1");

        var json = new JsonLock(domain);

        Assert.Same(domain, json.Domain);
        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public void Name_IsTheDomainId()
    {
        var json = new JsonLock(_dir.Domain("7.6f1b2c3d"));

        Assert.Equal("7.6f1b2c3d", json.Name);
        Assert.Contains("JsonLock", json.ToString(), StringComparison.Ordinal);
        Assert.Contains("7.6f1b2c3d", json.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Level_IsTheInnermostShortLock()
    {
        var json = new JsonLock(_dir.Domain());

        Assert.Equal(LockLevels.Json, json.Level);
        Assert.False(json.IsSlow);
        Assert.False(json.ForbidsBlocking);
    }

    // ---- Lock / Unlock ----

    [Fact]
    public void Lock_FreeLock_ReturnsHeldHandleOfThisLock()
    {
        var json = new JsonLock(_dir.Domain());

        LockHandle handle = json.Lock();
        try
        {
            Assert.True(handle.IsHeld);
            Assert.Same(json, handle.Source);
        }
        finally
        {
            json.Unlock(handle);
        }
    }

    [Fact]
    public void Lock_WhileHeld_LockFileExistsWithOwnerOnlyPermissions()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);

        using LockHandle handle = json.Lock();

        Assert.Equal(
            $"{_dir.Path}/userdata-l.vm1.domain-userdata-lock",
            domain.JsonLockPath);
        Assert.True(File.Exists(domain.JsonLockPath));
        Assert.Equal(FilePermissions.S_IRUSR | FilePermissions.S_IWUSR, TempLockDirectory.PermissionsOf(domain.JsonLockPath));
        Assert.Equal(1, OpenFileDescriptors.CountOpenOn(domain.JsonLockPath));
        Assert.False(File.Exists(domain.QmpLockPath));
    }

    [Fact]
    public void Unlock_UnlinksLockFileAndClosesIt()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        LockHandle handle = json.Lock();

        json.Unlock(handle);

        Assert.False(handle.IsHeld);
        Assert.False(File.Exists(domain.JsonLockPath));
        Assert.Equal(0, OpenFileDescriptors.CountOpenOn(domain.JsonLockPath));
        Assert.Equal([Path.GetFileName(domain.RecordPath)], _dir.Entries());
    }

    [Fact]
    public void Lock_AfterUnlock_CanBeTakenAgain()
    {
        var json = new JsonLock(_dir.Domain());

        for (int i = 0; i < 3; i++)
        {
            LockHandle handle = json.Lock();
            Assert.True(handle.IsHeld);
            json.Unlock(handle);
        }
    }

    [Fact]
    public void Lock_FileLeftByAnotherTool_IsReusedAndRemovedOnUnlock()
    {
        DomainUserdata domain = _dir.Domain();
        File.WriteAllBytes(domain.JsonLockPath, []);
        var json = new JsonLock(domain);

        LockHandle handle = json.Lock();
        json.Unlock(handle);

        Assert.False(File.Exists(domain.JsonLockPath));
    }

    [Fact]
    public void Unlock_Twice_ThrowsLockNotHeldException()
    {
        var json = new JsonLock(_dir.Domain());
        LockHandle handle = json.Lock();
        json.Unlock(handle);

        var e = Assert.Throws<LockNotHeldException>(() => json.Unlock(handle));

        Assert.Same(json, e.Lock);
        Assert.Contains("already released", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unlock_AfterDispose_ThrowsLockNotHeldException()
    {
        var json = new JsonLock(_dir.Domain());
        LockHandle handle = json.Lock();
        handle.Dispose();

        Assert.Throws<LockNotHeldException>(() => json.Unlock(handle));
    }

    [Fact]
    public void Unlock_Null_ThrowsArgumentNullException()
    {
        var json = new JsonLock(_dir.Domain());

        Assert.Throws<ArgumentNullException>(() => json.Unlock(null!));
    }

    [Fact]
    public void Unlock_ThroughQmpLock_ThrowsWrongLockExceptionNamingBothAndKeepsTheLock()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        var qmp = new QmpLock(domain);
        LockHandle handle = json.Lock();
        try
        {
            var e = Assert.Throws<WrongLockException>(() => qmp.Unlock(handle));

            Assert.Same(json, e.Issuer);
            Assert.Same(qmp, e.Releaser);
            Assert.Contains("JsonLock 'vm1'", e.Message, StringComparison.Ordinal);
            Assert.Contains("QmpLock 'vm1'", e.Message, StringComparison.Ordinal);
            Assert.True(handle.IsHeld);
            Assert.True(File.Exists(domain.JsonLockPath));
            Assert.Equal(1, OpenFileDescriptors.CountOpenOn(domain.JsonLockPath));
        }
        finally
        {
            json.Unlock(handle);
        }

        Assert.False(File.Exists(domain.JsonLockPath));
    }

    [Fact]
    public void Unlock_ThroughJsonLockOfAnotherDomain_ThrowsWrongLockExceptionNamingBoth()
    {
        var json1 = new JsonLock(_dir.Domain("vm1"));
        var json2 = new JsonLock(_dir.Domain("vm2"));
        LockHandle handle = json1.Lock();
        try
        {
            var e = Assert.Throws<WrongLockException>(() => json2.Unlock(handle));

            Assert.Same(json1, e.Issuer);
            Assert.Same(json2, e.Releaser);
            Assert.Contains("JsonLock 'vm1'", e.Message, StringComparison.Ordinal);
            Assert.Contains("JsonLock 'vm2'", e.Message, StringComparison.Ordinal);
            Assert.True(handle.IsHeld);
        }
        finally
        {
            json1.Unlock(handle);
        }
    }

    [Fact]
    public void Unlock_ThroughAnotherJsonLockOfTheSameDomain_ThrowsWrongLockException()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        var other = new JsonLock(domain);
        LockHandle handle = json.Lock();
        try
        {
            var e = Assert.Throws<WrongLockException>(() => other.Unlock(handle));

            Assert.Same(json, e.Issuer);
            Assert.Same(other, e.Releaser);
            Assert.True(handle.IsHeld);
            Assert.True(File.Exists(domain.JsonLockPath));
        }
        finally
        {
            json.Unlock(handle);
        }
    }

    [Fact]
    public void Dispose_ReleasesAndIsIdempotent()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        LockHandle handle = json.Lock();

        handle.Dispose();
        handle.Dispose();

        Assert.False(handle.IsHeld);
        Assert.False(File.Exists(domain.JsonLockPath));
        Assert.Equal(0, OpenFileDescriptors.CountOpenOn(domain.JsonLockPath));
    }

    [Fact]
    public async Task DisposeAsync_ReleasesSynchronously()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        LockHandle handle = json.Lock();

        ValueTask disposing = handle.DisposeAsync();

        Assert.True(disposing.IsCompletedSuccessfully);
        await disposing;
        Assert.False(handle.IsHeld);
        Assert.False(File.Exists(domain.JsonLockPath));
    }

    // ---- exclusion in this process ----

    [Fact]
    public async Task Lock_HeldByAnotherInstance_WaitsUntilReleased()
    {
        DomainUserdata domain = _dir.Domain();
        var holderLock = new JsonLock(domain);
        var waiterLock = new JsonLock(domain);
        LockHandle held = holderLock.Lock();
        Task<LockHandle> waiter;
        try
        {
            waiter = OnOwnThread(waiterLock.Lock);
            FlockTool.WaitUntil(() => FlockTool.SomeoneBlockedOn(domain.JsonLockPath), "the waiter blocks in flock");
            await Task.Delay(FlockTool.StillWaiting);
            Assert.False(waiter.IsCompleted);
        }
        finally
        {
            holderLock.Unlock(held);
        }

        LockHandle handle = await waiter.WaitAsync(FlockTool.Generous);
        Assert.True(handle.IsHeld);
        Assert.True(File.Exists(domain.JsonLockPath));
        waiterLock.Unlock(handle);
        Assert.False(File.Exists(domain.JsonLockPath));
    }

    [Fact]
    public async Task Lock_ManyThreadsAndInstances_OneHolderAtATime()
    {
        DomainUserdata domain = _dir.Domain();
        const int Threads = 6;
        const int Rounds = 30;
        int inside = 0;
        int maxInside = 0;
        int total = 0;

        var workers = Enumerable.Range(0, Threads).Select(_ => OnOwnThread(() =>
        {
            var json = new JsonLock(domain);
            for (int i = 0; i < Rounds; i++)
            {
                using LockHandle handle = json.Lock();
                int now = Interlocked.Increment(ref inside);
                InterlockedMax(ref maxInside, now);
                Thread.SpinWait(2000);
                total++; // unsynchronised on purpose: the lock is what protects it
                Interlocked.Decrement(ref inside);
            }

            return 0;
        })).ToArray();

        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, maxInside);
        Assert.Equal(Threads * Rounds, total);
        Assert.Equal([Path.GetFileName(domain.RecordPath)], _dir.Entries());
    }

    [Fact]
    public async Task Lock_DoesNotExcludeTheQmpLockOrOtherDomains()
    {
        DomainUserdata vm1 = _dir.Domain("vm1");
        DomainUserdata vm2 = _dir.Domain("vm2");

        using LockHandle json1 = new JsonLock(vm1).Lock();
        ValueTask<LockHandle> qmp1 = new QmpLock(vm1).LockAsync();
        Assert.True(qmp1.IsCompletedSuccessfully);
        using LockHandle qmp1Handle = await qmp1;
        using LockHandle json2 = new JsonLock(vm2).Lock();

        Assert.True(json1.IsHeld && qmp1Handle.IsHeld && json2.IsHeld);
    }

    // ---- domain lifecycle ----

    [Fact]
    public void Lock_BeforeCreate_ThrowsDomainGoneExceptionAndLeavesNoFile()
    {
        DomainUserdata domain = _dir.Domain(create: false);
        var json = new JsonLock(domain);

        var e = Assert.Throws<DomainGoneException>(json.Lock);

        Assert.Equal("vm1", e.DomainId);
        Assert.Contains("vm1", e.Message, StringComparison.Ordinal);
        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public void Lock_AfterDestroy_ThrowsDomainGoneExceptionAndLeavesNoFile()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        json.Unlock(json.Lock());
        domain.Destroy();

        Assert.Throws<DomainGoneException>(json.Lock);

        Assert.Empty(_dir.Entries());
        Assert.Equal(0, OpenFileDescriptors.CountOpenOn(domain.JsonLockPath));
    }

    [Fact]
    public async Task Lock_DomainDestroyedWhileWaiting_ThrowsDomainGoneException()
    {
        DomainUserdata domain = _dir.Domain();
        var holderLock = new JsonLock(domain);
        var waiterLock = new JsonLock(domain);
        LockHandle held = holderLock.Lock();
        Task<LockHandle> waiter;
        try
        {
            waiter = OnOwnThread(waiterLock.Lock);
            FlockTool.WaitUntil(() => FlockTool.SomeoneBlockedOn(domain.JsonLockPath), "the waiter blocks in flock");

            domain.Destroy();
            Assert.False(waiter.IsCompleted);
        }
        finally
        {
            holderLock.Unlock(held);
        }

        var e = await Assert.ThrowsAsync<DomainGoneException>(() => waiter.WaitAsync(FlockTool.Generous));
        Assert.Equal("vm1", e.DomainId);
        Assert.Empty(_dir.Entries());
        Assert.Equal(0, OpenFileDescriptors.CountOpenOn(domain.JsonLockPath));
    }

    [Fact]
    public async Task Lock_DomainDestroyedAndRecreatedWhileWaiting_WaiterGetsTheNewFile()
    {
        // The waiter locked the old, unlinked inode; it must notice and lock the file the path names now.
        DomainUserdata domain = _dir.Domain();
        var holderLock = new JsonLock(domain);
        var waiterLock = new JsonLock(domain);
        LockHandle held = holderLock.Lock();
        Task<LockHandle> waiter;
        try
        {
            waiter = OnOwnThread(waiterLock.Lock);
            FlockTool.WaitUntil(() => FlockTool.SomeoneBlockedOn(domain.JsonLockPath), "the waiter blocks in flock");
            domain.Destroy();
            domain.Create();
        }
        finally
        {
            holderLock.Unlock(held);
        }

        using LockHandle handle = await waiter.WaitAsync(FlockTool.Generous);
        Assert.True(File.Exists(domain.JsonLockPath));
        Assert.Equal(1, FlockTool.TryLockOnce(domain.JsonLockPath));
    }

    // ---- lock-file failures ----

    [Fact]
    public void Lock_LockPathIsADirectory_ThrowsLockDirectoryExceptionAndHoldsNothing()
    {
        DomainUserdata domain = _dir.Domain();
        Directory.CreateDirectory(domain.JsonLockPath);
        var json = new JsonLock(domain);

        var e = Assert.Throws<LockDirectoryException>(json.Lock);

        Assert.Equal("EISDIR", e.Errno);
        Assert.Equal(_dir.Path, e.Directory);
        Assert.Contains(domain.JsonLockPath, e.Message, StringComparison.Ordinal);

        // Nothing was held: once the obstacle is gone, the lock works.
        Directory.Delete(domain.JsonLockPath);
        using LockHandle handle = json.Lock();
        Assert.True(handle.IsHeld);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current = Volatile.Read(ref target);
        while (value > current)
        {
            int seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
