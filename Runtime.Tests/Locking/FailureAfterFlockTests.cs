using System.IO;
using Mono.Unix.Native;

namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// A failure after flock succeeded (here: the domain record turned into a symlink loop while the
/// caller waited, so checking that the domain exists fails) must close the locked descriptor: the
/// lock is free at once for another process and no descriptor stays open.
/// </summary>
[Collection(NonParallelCollection.Name)]
public sealed class FailureAfterFlockTests : IDisposable
{
    private readonly TempLockDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Replaces the record by a symlink to itself: open/stat of it fail with ELOOP.</summary>
    private static void MakeRecordALoop(DomainUserdata domain)
    {
        Assert.Equal(0, Syscall.unlink(domain.RecordPath));
        Assert.Equal(0, Syscall.symlink(Path.GetFileName(domain.RecordPath), domain.RecordPath));
    }

    private static void AssertCarriesRealErrno(LockDirectoryException e)
    {
        Assert.Equal("ELOOP", e.Errno);
        Assert.Contains("Too many levels of symbolic links", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Success", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonLock_FailureAfterFlock_ClosesDescriptorAndLockIsFreeAtOnce()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        var before = OpenFileDescriptors.Baseline();
        LockDirectoryException error;
        using (FlockHolder holder = FlockHolder.Start(domain.JsonLockPath))
        {
            Task<LockHandle> waiter = Task.Factory.StartNew(json.Lock, CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default);
            FlockTool.WaitUntil(() => FlockTool.SomeoneBlockedOn(domain.JsonLockPath), "JsonLock.Lock waits in flock");
            MakeRecordALoop(domain);

            holder.Release();

            error = await Assert.ThrowsAsync<LockDirectoryException>(() => waiter);
        }

        AssertCarriesRealErrno(error);
        Assert.Equal(0, FlockTool.TryLockOnce(domain.JsonLockPath));
        OpenFileDescriptors.AssertNoneOpenedSince(before);
    }

    [Fact]
    public async Task QmpLock_FailureAfterFlock_ClosesDescriptorAndLockIsFreeAtOnce()
    {
        DomainUserdata domain = _dir.Domain();
        var qmp = new QmpLock(domain);
        var before = OpenFileDescriptors.Baseline();
        LockDirectoryException error;
        using (FlockHolder holder = FlockHolder.Start(domain.QmpLockPath))
        {
            ValueTask<LockHandle> waiter = qmp.LockAsync();
            Assert.False(waiter.IsCompleted);
            MakeRecordALoop(domain);

            holder.Release();

            error = await Assert.ThrowsAsync<LockDirectoryException>(async () => await waiter);
        }

        AssertCarriesRealErrno(error);
        Assert.Equal(0, FlockTool.TryLockOnce(domain.QmpLockPath));
        OpenFileDescriptors.AssertNoneOpenedSince(before);
    }
}
