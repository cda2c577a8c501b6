using System.Diagnostics;
using System.IO;
using System.Reflection;
using Mono.Unix.Native;

namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// <see cref="JsonLock.TryLock"/>: one flock(LOCK_EX|LOCK_NB) try with all of libxl's protocol (the
/// file checked against the path, the domain record checked): a free lock is taken at once; a held
/// one gives false at once, with no descriptor left open and the holder's file untouched.
/// </summary>
[Collection(NonParallelCollection.Name)]
public sealed class JsonLockTryLockTests : ValidatorScope, IDisposable
{
    private readonly TempLockDirectory _dir = new();

    public JsonLockTryLockTests() : base(enabled: true) { }

    void IDisposable.Dispose()
    {
        _dir.Dispose();
        base.Dispose();
    }

    [Fact]
    public void TryLock_CarriesTryAcquiresLockOfJsonLock()
    {
        MethodInfo tryLock = typeof(JsonLock).GetMethod(nameof(JsonLock.TryLock))!;

        var attribute = tryLock.GetCustomAttribute<TryAcquiresLockAttribute>();

        Assert.NotNull(attribute);
        Assert.Equal(typeof(JsonLock), attribute.LockType);
        Assert.Null(tryLock.GetCustomAttribute<BlockingAttribute>());
    }

    [Fact]
    public void TryLock_Free_ReturnsTrueAndHoldsTheFile()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);

        Assert.True(json.TryLock(out LockHandle? handle));
        try
        {
            Assert.Same(json, handle.Source);
            Assert.True(handle.IsHeld);
            Assert.Equal(1, FlockTool.TryLockOnce(domain.JsonLockPath));
            Assert.Equal(new HierarchicalLock[] { json }, LockValidator.HeldByCurrentFlow());
        }
        finally
        {
            json.Unlock(handle);
        }

        Assert.False(File.Exists(domain.JsonLockPath));
        Assert.Equal(0, OpenFileDescriptors.CountOpenOn(domain.JsonLockPath));
    }

    [Fact]
    public void TryLock_HeldByAnotherProcess_FalseAtOnceNoDescriptorLeftAndTheHoldersFileIntact()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        using FlockHolder holder = FlockHolder.Start(domain.JsonLockPath);
        Assert.Equal(0, Syscall.lstat(domain.JsonLockPath, out Stat before));
        IReadOnlyDictionary<string, string> baseline = OpenFileDescriptors.Baseline();

        var watch = Stopwatch.StartNew();
        Assert.False(json.TryLock(out LockHandle? handle));
        watch.Stop();

        Assert.Null(handle);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"TryLock took {watch.Elapsed}: it waited");
        OpenFileDescriptors.AssertNoneOpenedSince(baseline);
        Assert.Empty(LockValidator.HeldByCurrentFlow());

        // The file is the holder's: the same inode, still there, still held by it.
        Assert.Equal(0, Syscall.lstat(domain.JsonLockPath, out Stat after));
        Assert.Equal(before.st_ino, after.st_ino);
        Assert.Equal(1, FlockTool.TryLockOnce(domain.JsonLockPath));
        Assert.False(holder.HasExited);

        holder.Release();
        Assert.True(json.TryLock(out LockHandle? again));
        json.Unlock(again);
    }

    [Fact]
    public void TryLock_HeldByAnotherInstanceOrThisOne_ReturnsFalseWithoutLeakingADescriptor()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        var other = new JsonLock(domain);
        LockHandle held = other.Lock();
        IReadOnlyDictionary<string, string> baseline = OpenFileDescriptors.Baseline();

        // A failed try holds nothing, so the validator is not asked (a success here would be refused).
        Assert.False(json.TryLock(out _));
        Assert.False(other.TryLock(out _));

        OpenFileDescriptors.AssertNoneOpenedSince(baseline);
        other.Unlock(held);
        Assert.True(json.TryLock(out LockHandle? handle));
        handle.Dispose();
    }

    [Fact]
    public void TryLock_DomainNotCreated_ThrowsDomainGoneAndLeavesNoFile()
    {
        DomainUserdata domain = _dir.Domain(create: false);
        var json = new JsonLock(domain);

        Assert.Throws<DomainGoneException>(() => json.TryLock(out _));

        Assert.Empty(_dir.Entries());
        Assert.Empty(LockValidator.HeldByCurrentFlow());
    }

    [Fact]
    public void TryLock_AfterDestroy_ThrowsDomainGoneAndLeavesNoFileOrDescriptor()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        json.Unlock(json.Lock());
        domain.Destroy();

        Assert.Throws<DomainGoneException>(() => json.TryLock(out _));

        Assert.Empty(_dir.Entries());
        Assert.Equal(0, OpenFileDescriptors.CountOpenOn(domain.JsonLockPath));
    }

    [Fact]
    public void TryLock_UnderTheDomainLock_Succeeds()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        var vm = new DomainLock("vm1");

        using LockHandle outer = vm.Lock();
        Assert.True(json.TryLock(out LockHandle? handle));
        handle.Dispose();
    }

    [Fact]
    public void TryLock_UnderAnotherDomainsJsonLock_ThrowsLockOrderAndGivesTheLockBack()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        var otherJson = new JsonLock(_dir.Domain("vm2"));

        using (otherJson.Lock())
        {
            Assert.Throws<LockOrderException>(() => json.TryLock(out _));
            Assert.Equal(new HierarchicalLock[] { otherJson }, LockValidator.HeldByCurrentFlow());
        }

        Assert.False(File.Exists(domain.JsonLockPath));
        Assert.Equal(0, FlockTool.TryLockOnce(domain.JsonLockPath));
        File.Delete(domain.JsonLockPath); // flock(1) created it
        Assert.True(json.TryLock(out LockHandle? handle));
        handle.Dispose();
    }
}
