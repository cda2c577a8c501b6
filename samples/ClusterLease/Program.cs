using System;
using System.Threading;
using System.Threading.Tasks;
using Toolstack.Runtime;
using Toolstack.Runtime.Cluster;

// Two "hosts" contending for one domain: start this twice (two terminals) against one etcd:
//   dotnet run --project samples/ClusterLease -- hold vm1 3000
// The second prints "acquired" only after the first printed "released".
//
//   hold DOMAIN MILLISECONDS            take the lease, hold it, release it
//   fenced DOMAIN LOCKDIR               take the lease, write the config fenced, wait until the
//                                       lease is lost, then try a fenced write again
// etcd from TOOLSTACK_ETCD_ENDPOINTS (default http://127.0.0.1:2379) and TOOLSTACK_ETCD_TTL.
// Each line: "<event> <unix ms> <fencing token>", for the tests that run this as a child.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: ClusterLease hold DOMAIN MILLISECONDS | fenced DOMAIN LOCKDIR");
    return 2;
}

if (Environment.GetEnvironmentVariable("TOOLSTACK_ETCD_ENDPOINTS") is null)
{
    Environment.SetEnvironmentVariable("TOOLSTACK_ETCD_ENDPOINTS", "http://127.0.0.1:2379");
}

try
{
    using EtcdConnection etcd = await EtcdConnection.ConnectAsync(EtcdLeaseOptions.FromEnvironment());
    var lease = new DomainLease(etcd, args[1]);
    return args[0] switch
    {
        "hold" => await Hold(lease, int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture)),
        "fenced" => await Fenced(lease, args[2]),
        _ => 2,
    };
}
catch (EtcdUnavailableException e)
{
    Console.WriteLine($"unavailable {Now()} 0");
    Console.Error.WriteLine(e.Message);
    return 3;
}

static async Task<int> Hold(DomainLease lease, int milliseconds)
{
    Say("waiting", 0);
    await using LockHandle held = await lease.LockAsync();
    LeaseGrant grant = held.Grant();
    Say("acquired", grant.FencingToken);
    try
    {
        // The holder's work stops the moment the lease is lost: link it to the grant's token.
        await Task.Delay(milliseconds, grant.Lost);
    }
    catch (OperationCanceledException)
    {
        Say("lost", grant.FencingToken);
        return 1;
    }

    Say("released", grant.FencingToken);
    return 0;
}

static async Task<int> Fenced(DomainLease lease, string lockDirectory)
{
    var domain = new DomainUserdata(lockDirectory, lease.Domain);
    var json = new JsonLock(domain);
    await using LockHandle held = await lease.LockAsync();
    LeaseGrant grant = held.Grant();
    Write(json, grant.FencingToken);
    Say("acquired", grant.FencingToken);
    try
    {
        await Task.Delay(Timeout.Infinite, grant.Lost);
    }
    catch (OperationCanceledException)
    {
        Say("lost", grant.FencingToken);
    }

    try
    {
        Write(json, grant.FencingToken);
        Say("written", grant.FencingToken);
        return 1;
    }
    catch (FencedWriteException e)
    {
        Say("refused", e.HighestToken);
        return 0;
    }
}

static void Write(JsonLock json, long token)
{
    using LockHandle config = json.Lock();
    DomainConfigFile.Write(config, DomainConfigFile.Read(config), token);
}

static void Say(string what, long token) => Console.WriteLine($"{what} {Now()} {token}");

static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
