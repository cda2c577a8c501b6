using System.Diagnostics;
using dotnet_etcd;
using Etcdserverpb;
using Toolstack.Runtime.Cluster;
using Toolstack.Runtime.Tests.Cluster.Support;

namespace Toolstack.Runtime.Tests.Cluster;

/// <summary>DomainLease against one real etcd node, each test with its own etcd.</summary>
[Collection(NonParallelCollection.Name)]
public sealed class DomainLeaseSingleNodeTests
{
    private static readonly TimeSpan s_within = TimeSpan.FromSeconds(20);

    [EtcdFact]
    public async Task TwoProcesses_HoldInTurn_NeverOverlapping()
    {
        using EtcdServer etcd = await EtcdServer.StartAsync();
        using var first = new ClusterLeaseSample(etcd, 2, "hold", "vm1", "1500");
        first.Expect("waiting", s_within);
        (long firstAcquired, long firstToken) = first.Expect("acquired", s_within);
        using var second = new ClusterLeaseSample(etcd, 2, "hold", "vm1", "200");
        second.Expect("waiting", s_within);
        (long secondAcquired, long secondToken) = second.Expect("acquired", s_within);
        (long firstReleased, _) = first.Expect("released", s_within);
        Assert.True(secondAcquired >= firstReleased, $"second acquired at {secondAcquired}, first released at {firstReleased}");
        Assert.True(firstAcquired < firstReleased);
        Assert.True(secondToken > firstToken, "a later acquisition has a larger fencing token");
        second.Expect("released", s_within);
        Assert.Equal(0, first.WaitForExit(s_within));
        Assert.Equal(0, second.WaitForExit(s_within));
    }

    [EtcdFact]
    public async Task Waiters_AcquireInArrivalOrder()
    {
        using EtcdServer etcd = await EtcdServer.StartAsync();
        using EtcdConnection connection = await etcd.ConnectAsync();
        var holder = new DomainLease(connection, "vm1");
        LockHandle held = await holder.LockAsync();
        var order = new List<int>();
        var waiters = new List<Task>();
        for (int i = 0; i < 3; i++)
        {
            int n = i;
            var lease = new DomainLease(connection, "vm1");
            waiters.Add(Task.Run(async () =>
            {
                LockHandle h = await lease.LockAsync();
                lock (order)
                {
                    order.Add(n);
                }

                await Task.Delay(50);
                lease.Unlock(h);
            }));
            await WaitForKeysAsync(etcd, holder.KeyPrefix, i + 2);
        }

        holder.Unlock(held);
        await Task.WhenAll(waiters).WaitAsync(s_within);
        Assert.Equal(new[] { 0, 1, 2 }, order);
        Assert.Equal(0, await CountKeysAsync(etcd, holder.KeyPrefix));
    }

    [EtcdFact]
    public async Task CancelWhileWaiting_LeavesNoKeyAndNoLease()
    {
        using EtcdServer etcd = await EtcdServer.StartAsync();
        using EtcdConnection connection = await etcd.ConnectAsync();
        var lease = new DomainLease(connection, "vm1");
        LockHandle held = await lease.LockAsync();
        using var cts = new CancellationTokenSource();
        ValueTask<LockHandle> waiting = new DomainLease(connection, "vm1").LockAsync(cts.Token);
        await WaitForKeysAsync(etcd, lease.KeyPrefix, 2);
        Assert.Equal(2, await CountLeasesAsync(etcd));
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await waiting);
        Assert.Equal(1, await CountKeysAsync(etcd, lease.KeyPrefix));
        Assert.Equal(1, await CountLeasesAsync(etcd));
        Assert.True(held.IsHeld);
        lease.Unlock(held);
    }

    [EtcdFact]
    public async Task Unlock_DeletesTheKeyAndRevokesTheLease()
    {
        using EtcdServer etcd = await EtcdServer.StartAsync();
        using EtcdConnection connection = await etcd.ConnectAsync();
        var lease = new DomainLease(connection, "vm1");
        LockHandle held = await lease.LockAsync();
        LeaseGrant grant = held.Grant();
        Assert.StartsWith(lease.KeyPrefix, grant.Key);
        Assert.Equal(1, await CountKeysAsync(etcd, lease.KeyPrefix));
        lease.Unlock(held);
        Assert.Equal(0, await CountKeysAsync(etcd, lease.KeyPrefix));
        Assert.Equal(0, await CountLeasesAsync(etcd));
        Assert.False(grant.IsLost, "a release is not a loss");
        Assert.ThrowsAny<InvalidOperationException>(() => lease.Unlock(held));
    }

    [EtcdFact]
    public async Task TryLock_WhenHeld_FalseAndNothingLeftBehind_WhenFree_True()
    {
        using EtcdServer etcd = await EtcdServer.StartAsync();
        using EtcdConnection connection = await etcd.ConnectAsync();
        var first = new DomainLease(connection, "vm1");
        var second = new DomainLease(connection, "vm1");
        Assert.True(first.TryLock(out LockHandle? held));
        Assert.False(second.TryLock(out LockHandle? none));
        Assert.Null(none);
        Assert.Equal(1, await CountKeysAsync(etcd, first.KeyPrefix));
        Assert.Equal(1, await CountLeasesAsync(etcd));
        first.Unlock(held);
        Assert.True(second.TryLock(out LockHandle? now));
        Assert.True(now.Grant().FencingToken > held.Grant().FencingToken);
        second.Unlock(now);
    }

    [EtcdFact]
    public async Task HeldPastSeveralTtls_IsKeptAlive()
    {
        using EtcdServer etcd = await EtcdServer.StartAsync();
        using EtcdConnection connection = await etcd.ConnectAsync();
        var lease = new DomainLease(connection, "vm1");
        await using LockHandle held = await lease.LockAsync();
        await Task.Delay(TimeSpan.FromSeconds(5)); // 2.5 TTLs
        Assert.False(held.Grant().IsLost);
        Assert.Equal(1, await CountKeysAsync(etcd, lease.KeyPrefix));
        Assert.False(new DomainLease(connection, "vm1").TryLock(out _));
    }

    [EtcdFact]
    public async Task EtcdKilledWhileHeld_LostFiresWithinAboutOneTtl_AndThrowIfLostThrows()
    {
        using EtcdServer etcd = await EtcdServer.StartAsync();
        using EtcdConnection connection = await etcd.ConnectAsync();
        var lease = new DomainLease(connection, "vm1");
        LockHandle held = await lease.LockAsync();
        LeaseGrant grant = held.Grant();
        var clock = Stopwatch.StartNew();
        etcd.Kill(0);
        var fired = new TaskCompletionSource();
        using (grant.Lost.Register(() => fired.TrySetResult()))
        {
            await fired.Task.WaitAsync(TimeSpan.FromSeconds(6));
        }

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3.5));
        LeaseLostException lost = Assert.Throws<LeaseLostException>(grant.ThrowIfLost);
        Assert.Equal(grant.FencingToken, lost.FencingToken);
        var unlock = Stopwatch.StartNew();
        lease.Unlock(held); // etcd is gone: bounded by the connect timeout, never a hang
        Assert.True(unlock.Elapsed < TimeSpan.FromSeconds(5), $"unlock took {unlock.Elapsed}");
    }

    internal static async Task<long> CountKeysAsync(EtcdServer etcd, string prefix)
    {
        using EtcdClient client = etcd.RawClient();
        return (await client.GetRangeAsync(prefix)).Count;
    }

    internal static async Task<int> CountLeasesAsync(EtcdServer etcd)
    {
        using EtcdClient client = etcd.RawClient();
        return (await client.LeaseLeasesAsync(new LeaseLeasesRequest())).Leases.Count;
    }

    internal static async Task WaitForKeysAsync(EtcdServer etcd, string prefix, int count)
    {
        var clock = Stopwatch.StartNew();
        while (await CountKeysAsync(etcd, prefix) < count)
        {
            Assert.True(clock.Elapsed < s_within, $"fewer than {count} keys under {prefix}");
            await Task.Delay(20);
        }
    }
}
