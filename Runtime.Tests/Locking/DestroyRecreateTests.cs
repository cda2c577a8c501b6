using System.IO;

namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// A holder from before a destroy must never disturb the domain re-created after it: its release
/// must not unlink the new holder's lock file (or two holders would share the lock).
/// </summary>
public sealed class DestroyRecreateTests : IDisposable
{
    private readonly TempLockDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task QmpLock_ReleaseAfterDestroyAndRecreate_DoesNotUnlinkNewHoldersFile()
    {
        DomainUserdata domain = _dir.Domain("web1");
        LockHandle a = await new QmpLock(domain).LockAsync();
        domain.Destroy();
        domain.Create();
        var bLock = new QmpLock(domain);
        LockHandle b = await bLock.LockAsync();

        a.Dispose();

        Assert.True(File.Exists(domain.QmpLockPath), "A's release unlinked B's lock file");
        // C, in another process, must not get the lock while B holds it.
        Assert.Equal(1, FlockTool.TryLockOnce(domain.QmpLockPath));
        // C, in this process, must still be waiting when its patience runs out.
        using (var patience = new CancellationTokenSource(FlockTool.StillWaiting))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(
                async () => await new QmpLock(domain).LockAsync(patience.Token));
        }

        bLock.Unlock(b);
        Assert.Equal(0, FlockTool.TryLockOnce(domain.QmpLockPath));
    }

    [Fact]
    public void JsonLock_ReleaseAfterDestroyAndRecreate_DoesNotUnlinkNewHoldersFile()
    {
        DomainUserdata domain = _dir.Domain("web1");
        var aLock = new JsonLock(domain);
        LockHandle a = aLock.Lock();
        domain.Destroy();
        domain.Create();
        LockHandle b = new JsonLock(domain).Lock();

        aLock.Unlock(a);

        Assert.True(File.Exists(domain.JsonLockPath), "A's release unlinked B's lock file");
        Assert.Equal(1, FlockTool.TryLockOnce(domain.JsonLockPath));
        b.Dispose();
        Assert.Equal(0, FlockTool.TryLockOnce(domain.JsonLockPath));
    }

    [Fact]
    public void JsonLock_ReleaseAfterDestroyAndRecreate_OtherProcessHolding_KeepsItsLockExclusive()
    {
        // B is another process (flock(1) holding the re-created domain's lock file).
        DomainUserdata domain = _dir.Domain("web1");
        var aLock = new JsonLock(domain);
        LockHandle a = aLock.Lock();
        domain.Destroy();
        domain.Create();
        using FlockHolder b = FlockHolder.Start(domain.JsonLockPath);

        aLock.Unlock(a);

        Assert.True(File.Exists(domain.JsonLockPath), "A's release unlinked B's lock file");
        Assert.Equal(1, FlockTool.TryLockOnce(domain.JsonLockPath));
        b.Release();
    }

    [Fact]
    public void JsonLock_ReleaseAfterDestroy_StillRemovesNothingOfOtherDomainsAndReleases()
    {
        DomainUserdata domain = _dir.Domain("web1");
        var aLock = new JsonLock(domain);
        LockHandle a = aLock.Lock();
        domain.Destroy();

        aLock.Unlock(a);

        Assert.Empty(_dir.Entries());
        Assert.False(a.IsHeld);
    }

    [Fact]
    public void JsonLock_ReleaseOfItsOwnFile_StillUnlinksIt()
    {
        DomainUserdata domain = _dir.Domain("web1");
        var json = new JsonLock(domain);

        json.Unlock(json.Lock());

        Assert.False(File.Exists(domain.JsonLockPath));
    }
}
