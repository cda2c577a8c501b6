using System;
using System.Linq;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using dotnet_etcd;
using Etcdserverpb;
using Grpc.Core;
using Grpc.Net.Client;

namespace Toolstack.Runtime.Cluster;

/// <summary>
/// One gRPC channel to an etcd cluster (every endpoint, round-robin over those that answer),
/// shared by every <see cref="DomainLease"/> of a process. Thread-safe.
/// </summary>
/// <remarks>
/// Built on dotnet-etcd for its channel set-up (several endpoints, TLS) and its generated etcd v3
/// clients; the lock recipe itself (lease, key, waiting by revision) is here, because etcd's
/// server-side Lock API hides the fencing revision's meaning and cannot tell the holder in time
/// that its lease is gone.
/// </remarks>
public sealed class EtcdConnection : IDisposable
{
    private readonly EtcdClient _client;
    private int _disposed;

    private EtcdConnection(EtcdLeaseOptions options, EtcdClient client)
    {
        Options = options;
        _client = client;
        var connection = client.GetConnection();
        Kv = connection.KVClient;
        Leases = connection.LeaseClient;
        Watches = connection.WatchClient;
    }

    /// <summary>The options this connection was made with.</summary>
    public EtcdLeaseOptions Options { get; }

    internal KV.KVClient Kv { get; }

    internal Lease.LeaseClient Leases { get; }

    internal Watch.WatchClient Watches { get; }

    internal CancellationToken Disposed => _disposedSource.Token;

    private readonly CancellationTokenSource _disposedSource = new();

    /// <summary>
    /// Connects and checks that the cluster answers a linearizable read (so it has a leader and a
    /// quorum) within <see cref="EtcdLeaseOptions.ConnectTimeout"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="EtcdUnavailableException">No endpoint answered in time; nothing is left open.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled first.</exception>
    public static async Task<EtcdConnection> ConnectAsync(EtcdLeaseOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ct.ThrowIfCancellationRequested();
        EtcdClient client = CreateClient(options);
        var connection = new EtcdConnection(options, client);
        try
        {
            await connection.CallAsync(
                (deadline, token) => connection.Kv.RangeAsync(new RangeRequest { Key = Google.Protobuf.ByteString.CopyFromUtf8(options.KeyPrefix), CountOnly = true }, deadline: deadline, cancellationToken: token).ResponseAsync,
                "connect", ct).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Closes the channel. Leases still held are not revoked: they expire after their TTL.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _disposedSource.Cancel();
            _client.Dispose();
        }
    }

    /// <summary>The deadline of a request started now.</summary>
    internal DateTime Deadline() => DateTime.UtcNow + Options.ConnectTimeout;

    /// <summary>
    /// One request bounded by the connect timeout: gRPC failures become
    /// <see cref="EtcdUnavailableException"/>, a cancelled <paramref name="ct"/> becomes
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    internal async Task<T> CallAsync<T>(Func<DateTime, CancellationToken, Task<T>> call, string what, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        try
        {
            return await call(Deadline(), ct).ConfigureAwait(false);
        }
        catch (RpcException e) when (ct.IsCancellationRequested)
        {
            throw new OperationCanceledException($"etcd {what} cancelled.", e, ct);
        }
        catch (RpcException e)
        {
            throw Unavailable(what, e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            // Grpc.Net.Client reports some deadline expiries as a cancellation: it is a timeout.
            throw Unavailable(what, e);
        }
    }

    /// <summary><see cref="CallAsync{T}"/> for the synchronous paths (TryLock, Unlock).</summary>
    internal T Call<T>(Func<DateTime, T> call, string what)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        try
        {
            return call(Deadline());
        }
        catch (RpcException e)
        {
            throw Unavailable(what, e);
        }
        catch (OperationCanceledException e)
        {
            throw Unavailable(what, e);
        }
    }

    internal EtcdUnavailableException Unavailable(string what, Exception e) =>
        new($"etcd {what} failed: no endpoint of {string.Join(", ", Options.Endpoints)} answered within {Options.ConnectTimeout.TotalSeconds:0.###} s ({(e is RpcException r ? $"{r.StatusCode}: {r.Status.Detail}" : e.Message)}).", e);

    private static EtcdClient CreateClient(EtcdLeaseOptions options)
    {
        string endpoints = string.Join(",", options.Endpoints.Select(e => e.GetLeftPart(UriPartial.Authority)));
        // HTTP/2 pings find a dead peer behind a silent partition (no RST): a watch on it would
        // otherwise wait forever. The connect timeout bounds each TCP/TLS connect.
        TimeSpan ping = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, options.Ttl.Ticks / 4));
        void Channel(GrpcChannelOptions channel)
        {
            var handler = new SocketsHttpHandler
            {
                ConnectTimeout = options.ConnectTimeout,
                KeepAlivePingDelay = ping,
                KeepAlivePingTimeout = ping,
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                EnableMultipleHttp2Connections = true,
            };
            if (options.Endpoints[0].Scheme == Uri.UriSchemeHttps)
            {
                handler.SslOptions = SslOptions(options);
            }

            channel.HttpHandler = handler;
        }

        return options.Endpoints[0].Scheme == Uri.UriSchemeHttps
            ? new EtcdClient(endpoints, ssl => Configure(ssl, options), configureChannelOptions: Channel)
            : new EtcdClient(endpoints, configureChannelOptions: Channel);
    }

    private static SslClientAuthenticationOptions SslOptions(EtcdLeaseOptions options)
    {
        var ssl = new SslClientAuthenticationOptions();
        Configure(ssl, options);
        return ssl;
    }

    private static void Configure(SslClientAuthenticationOptions ssl, EtcdLeaseOptions options)
    {
        if (options.ClientCertificate is X509Certificate2 certificate)
        {
            ssl.ClientCertificates = new X509CertificateCollection { certificate };
        }

        if (options.TrustedAuthorities is X509Certificate2Collection authorities)
        {
            // etcd's own CA, not the system's: verify the chain against it alone.
            ssl.RemoteCertificateValidationCallback = (_, cert, _, errors) =>
            {
                if (cert is null)
                {
                    return false;
                }

                if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(cert));
            };
        }
    }
}
