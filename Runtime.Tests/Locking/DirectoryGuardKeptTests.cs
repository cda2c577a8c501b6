using System.IO;
using Mono.Unix.Native;

namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// The directory guard's descriptor is kept open per lock directory (issue 10). A kept descriptor
/// whose file was removed or replaced (the guard file alone, or the whole directory re-created)
/// must not be locked as if it still excluded anyone: other processes lock the file now at the
/// path, and a release must wait for them.
/// </summary>
[Collection(NonParallelCollection.Name)]
public sealed class DirectoryGuardKeptTests : IDisposable
{
    private readonly TempLockDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string GuardPath => Path.Combine(_dir.Path, DomainUserdata.DirectoryGuardFileName);

    /// <summary>A JsonLock round trip (its release takes the guard) on its own thread.</summary>
    private static Task RoundTrip(JsonLock json) =>
        Task.Factory.StartNew(() => json.Unlock(json.Lock()), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static async Task AssertReleaseWaitsFor(FlockHolder holder, JsonLock json)
    {
        Task roundTrip = RoundTrip(json);
        await Task.Delay(FlockTool.StillWaiting);
        Assert.False(roundTrip.IsCompleted, "the release took a guard another process holds");

        holder.Release();
        await roundTrip.WaitAsync(FlockTool.Generous);
    }

    [Fact]
    public async Task GuardFileReplaced_KeptDescriptorIsNotTrusted_ReleaseWaitsForTheNewGuardsHolder()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        await RoundTrip(json); // the guard is open and kept from here

        Assert.Equal(0, Syscall.unlink(GuardPath));
        using FlockHolder holder = FlockHolder.Start(GuardPath);

        await AssertReleaseWaitsFor(holder, json);
    }

    [Fact]
    public async Task DirectoryRecreated_KeptDescriptorIsNotTrusted_ReleaseWaitsForTheNewGuardsHolder()
    {
        DomainUserdata old = _dir.Domain();
        await RoundTrip(new JsonLock(old));

        Directory.Delete(_dir.Path, recursive: true);
        Directory.CreateDirectory(_dir.Path);
        Assert.Equal(0, Syscall.chmod(_dir.Path, FilePermissions.S_IRWXU));
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        using FlockHolder holder = FlockHolder.Start(GuardPath);

        await AssertReleaseWaitsFor(holder, json);
    }

    [Fact]
    public async Task ConcurrentRoundTrips_NeverTwoHolders_OneGuardDescriptor()
    {
        // Threads share the kept open file description, which flock would let all of them lock at
        // once; many concurrent round trips on one lock file must still never see two holders.
        DomainUserdata domain = _dir.Domain();
        int holders = 0;
        int worst = 0;
        Task[] workers = Enumerable.Range(0, 4).Select(_ => Task.Factory.StartNew(() =>
        {
            var json = new JsonLock(domain);
            for (int i = 0; i < 200; i++)
            {
                LockHandle handle = json.Lock();
                int now = Interlocked.Increment(ref holders);
                InterlockedMax(ref worst, now);
                Interlocked.Decrement(ref holders);
                json.Unlock(handle);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        await Task.WhenAll(workers).WaitAsync(FlockTool.Generous);

        Assert.Equal(1, worst);
        Assert.Equal(1, OpenFileDescriptorsOnGuard());
    }

    [Fact]
    public async Task ManyRoundTrips_KeepOneGuardDescriptor()
    {
        DomainUserdata domain = _dir.Domain();
        var json = new JsonLock(domain);
        for (int i = 0; i < 50; i++)
        {
            await RoundTrip(json);
        }

        Assert.Equal(1, OpenFileDescriptorsOnGuard());
    }

    private int OpenFileDescriptorsOnGuard() => OpenFileDescriptors.CountOpenOn(GuardPath);

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
