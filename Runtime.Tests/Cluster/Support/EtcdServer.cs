using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using dotnet_etcd;
using Etcdserverpb;
using Toolstack.Runtime.Cluster;

namespace Toolstack.Runtime.Tests.Cluster.Support;

/// <summary>
/// A real etcd (one node or three) on free loopback ports with a temporary data directory, killed
/// and removed on dispose.
/// </summary>
public sealed class EtcdServer : IDisposable
{
    public const string Executable = "/usr/bin/etcd";

    private readonly Process?[] _members;
    private readonly string _dataRoot;

    private EtcdServer(int count)
    {
        _dataRoot = Directory.CreateTempSubdirectory("toolstack-etcd-").FullName;
        ClientPorts = Enumerable.Range(0, count).Select(_ => FreePort()).ToArray();
        int[] peers = Enumerable.Range(0, count).Select(_ => FreePort()).ToArray();
        string cluster = string.Join(",", Enumerable.Range(0, count).Select(i => $"n{i}=http://127.0.0.1:{peers[i]}"));
        _members = new Process?[count];
        for (int i = 0; i < count; i++)
        {
            var start = new ProcessStartInfo(Executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string arg in new[]
            {
                "--name", $"n{i}", "--data-dir", Path.Combine(_dataRoot, $"n{i}"),
                "--listen-client-urls", $"http://127.0.0.1:{ClientPorts[i]}", "--advertise-client-urls", $"http://127.0.0.1:{ClientPorts[i]}",
                "--listen-peer-urls", $"http://127.0.0.1:{peers[i]}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{peers[i]}",
                "--initial-cluster", cluster, "--initial-cluster-state", "new",
                // Quick elections on loopback, so a killed leader is replaced within a second.
                "--heartbeat-interval", "100", "--election-timeout", "500",
            })
            {
                start.ArgumentList.Add(arg);
            }

            Process member = Process.Start(start)!;
            member.OutputDataReceived += (_, _) => { };
            member.ErrorDataReceived += (_, _) => { };
            member.BeginOutputReadLine();
            member.BeginErrorReadLine();
            _members[i] = member;
        }
    }

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? SkipReason => !File.Exists(Executable) && !IsCi
        ? $"{Executable} is missing (apt-get install etcd-server etcd-client); with CI=true this test fails instead of skipping"
        : null;

    public int[] ClientPorts { get; }

    public Uri[] Endpoints => ClientPorts.Select(p => new Uri($"http://127.0.0.1:{p}")).ToArray();

    public static Task<EtcdServer> StartAsync() => StartAsync(1);

    public static async Task<EtcdServer> StartAsync(int members)
    {
        var server = new EtcdServer(members);
        try
        {
            await server.WaitHealthyAsync(TimeSpan.FromSeconds(20));
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    public EtcdLeaseOptions Options(int ttlSeconds = 2) => new()
    {
        Endpoints = Endpoints,
        Ttl = TimeSpan.FromSeconds(ttlSeconds),
        ConnectTimeout = TimeSpan.FromSeconds(2),
    };

    public Task<EtcdConnection> ConnectAsync(int ttlSeconds = 2) => EtcdConnection.ConnectAsync(Options(ttlSeconds));

    /// <summary>A raw client on every endpoint, for looking at keys and leases behind the lease's back.</summary>
    public EtcdClient RawClient() => new(string.Join(",", Endpoints.Select(e => e.GetLeftPart(UriPartial.Authority))));

    /// <summary>The index of the current leader.</summary>
    public async Task<int> LeaderAsync()
    {
        for (int i = 0; i < ClientPorts.Length; i++)
        {
            if (_members[i] is null)
            {
                continue;
            }

            using var client = new EtcdClient($"http://127.0.0.1:{ClientPorts[i]}");
            StatusResponse status = await client.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
            if (status.Leader == status.Header.MemberId)
            {
                return i;
            }
        }

        throw new InvalidOperationException("No member is the leader.");
    }

    public void Kill(int member)
    {
        Process? process = _members[member];
        _members[member] = null;
        if (process is not null)
        {
            process.Kill();
            process.WaitForExit();
            process.Dispose();
        }
    }

    public void Dispose()
    {
        for (int i = 0; i < _members.Length; i++)
        {
            try
            {
                Kill(i);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
        }

        try
        {
            Directory.Delete(_dataRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitHealthyAsync(TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using EtcdConnection connection = await EtcdConnection.ConnectAsync(Options() with { ConnectTimeout = TimeSpan.FromSeconds(1) });
                return;
            }
            catch (EtcdUnavailableException) when (clock.Elapsed < within)
            {
                if (_members.Any(m => m is { HasExited: true }))
                {
                    throw new InvalidOperationException("etcd exited at start.");
                }

                await Task.Delay(100);
            }
        }
    }
}
