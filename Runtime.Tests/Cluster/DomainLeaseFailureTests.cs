using System.Diagnostics;
using Toolstack.Runtime.Cluster;
using Toolstack.Runtime.Tests.Cluster.Support;
using Toolstack.Runtime.Tests.Locking;

namespace Toolstack.Runtime.Tests.Cluster;

/// <summary>The failures that matter: etcd down at start, a leader killed, a holder stalled past its TTL.</summary>
[Collection(NonParallelCollection.Name)]
public sealed class DomainLeaseFailureTests
{
    private static readonly TimeSpan s_within = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task EtcdDownAtStart_TypedErrorWithinTheConnectTimeout()
    {
        var options = new EtcdLeaseOptions
        {
            Endpoints = [new Uri($"http://127.0.0.1:{EtcdServer.FreePort()}"), new Uri($"http://127.0.0.1:{EtcdServer.FreePort()}")],
            ConnectTimeout = TimeSpan.FromSeconds(1),
        };
        var clock = Stopwatch.StartNew();
        EtcdUnavailableException e = await Assert.ThrowsAsync<EtcdUnavailableException>(() => EtcdConnection.ConnectAsync(options));
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1.9));
        Assert.Contains("127.0.0.1", e.Message);
    }

    [EtcdFact]
    public async Task ThreeNodes_LeaderKilledWhileHeld_NeverTwoHolders()
    {
        using EtcdServer etcd = await EtcdServer.StartAsync(3);
        using EtcdConnection first = await etcd.ConnectAsync(ttlSeconds: 3);
        using EtcdConnection second = await etcd.ConnectAsync(ttlSeconds: 3);
        var lease = new DomainLease(first, "vm1");
        LockHandle held = await lease.LockAsync();
        LeaseGrant grant = held.Grant();
        Task<LockHandle> waiting = new DomainLease(second, "vm1").LockAsync().AsTask();
        await DomainLeaseSingleNodeTests.WaitForKeysAsync(etcd, lease.KeyPrefix, 2);

        etcd.Kill(await etcd.LeaderAsync());
        // Three TTLs: long enough for a lease nobody renews to expire twice over.
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(9);)
        {
            if (waiting.IsCompleted)
            {
                Assert.True(grant.IsLost, "the second client acquired while the first still believed it held the lease");
                break;
            }

            await Task.Delay(50);
        }

        if (!grant.IsLost)
        {
            // The holder kept it through the election: the second gets it only after the release.
            Assert.False(waiting.IsCompleted);
            lease.Unlock(held);
        }
        else
        {
            lease.Unlock(held);
        }

        LockHandle next = await waiting.WaitAsync(s_within);
        Assert.True(next.Grant().FencingToken > grant.FencingToken);
        next.Dispose();
    }

    [EtcdFact]
    public async Task HolderStoppedPastItsTtl_AnotherAcquires_TheStalledOneSeesItsTokenFireAndItsFencedWriteRefused()
    {
        using EtcdServer etcd = await EtcdServer.StartAsync();
        using var directory = new TempLockDirectory();
        DomainUserdata domain = directory.Domain("vm1");
        using var stalled = new ClusterLeaseSample(etcd, 2, "fenced", "vm1", directory.Path);
        (_, long staleToken) = stalled.Expect("acquired", s_within);

        stalled.Signal("STOP");
        using EtcdConnection connection = await etcd.ConnectAsync();
        var clock = Stopwatch.StartNew();
        await using LockHandle held = await new DomainLease(connection, "vm1").LockAsync().AsTask().WaitAsync(s_within);
        // Not before the stopped holder's lease could have run out (2 s TTL), not much after.
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(6));
        long token = held.Grant().FencingToken;
        Assert.True(token > staleToken);
        using (LockHandle json = new JsonLock(domain).Lock())
        {
            DomainConfigFile.Write(json, DomainConfigFile.Read(json), token);
        }

        stalled.Signal("CONT");
        stalled.Expect("lost", s_within);
        (_, long highest) = stalled.Expect("refused", s_within);
        Assert.Equal(token, highest);
        Assert.Equal(0, stalled.WaitForExit(s_within));
    }
}
