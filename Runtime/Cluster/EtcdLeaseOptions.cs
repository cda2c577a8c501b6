using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography.X509Certificates;

namespace Toolstack.Runtime.Cluster;

/// <summary>
/// Where etcd is and how leases behave: endpoints, lease TTL, connect timeout, key prefix and TLS
/// client certificates. Set in code, or read from the environment with <see cref="FromEnvironment()"/>.
/// </summary>
public sealed record EtcdLeaseOptions
{
    /// <summary>etcd's own floor for a lease TTL (its minimum is about 1.5 election timeouts, 2 s by default).</summary>
    public static readonly TimeSpan MinimumTtl = TimeSpan.FromSeconds(2);

    /// <summary>The etcd client URLs (<c>http://host:2379</c>, or <c>https://</c> with TLS); at least one.</summary>
    public required IReadOnlyList<Uri> Endpoints { get; init; }

    /// <summary>
    /// The lease TTL, whole seconds, at least <see cref="MinimumTtl"/>. A holder that cannot renew the
    /// lease for this long loses it; a host that dies holding it blocks the domain for this long.
    /// </summary>
    public TimeSpan Ttl { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a connection attempt, and every single request to etcd, may take before it fails
    /// with <see cref="EtcdUnavailableException"/>: no call to etcd hangs.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The etcd key prefix under which each domain's lock keys live; ends with '/'.</summary>
    public string KeyPrefix { get; init; } = "/toolstack/domain-lease/";

    /// <summary>The TLS client certificate, with its private key (etcd's <c>--client-cert-auth</c>); null for none.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>The CA certificates that sign etcd's server certificates; null to use the system's trust store.</summary>
    public X509Certificate2Collection? TrustedAuthorities { get; init; }

    /// <summary>
    /// Reads the options from the environment: <c>TOOLSTACK_ETCD_ENDPOINTS</c> (comma-separated; else
    /// <c>ETCDCTL_ENDPOINTS</c>), <c>TOOLSTACK_ETCD_TTL</c> and <c>TOOLSTACK_ETCD_CONNECT_TIMEOUT</c>
    /// (seconds), <c>TOOLSTACK_ETCD_KEY_PREFIX</c>, and the PEM files <c>TOOLSTACK_ETCD_CERT</c>,
    /// <c>TOOLSTACK_ETCD_KEY</c>, <c>TOOLSTACK_ETCD_CACERT</c> (else etcdctl's <c>ETCDCTL_CERT</c>,
    /// <c>ETCDCTL_KEY</c>, <c>ETCDCTL_CACERT</c>). An endpoint without a scheme gets <c>https://</c>
    /// when a client certificate is set, <c>http://</c> otherwise.
    /// </summary>
    /// <exception cref="ArgumentException">A variable is missing or malformed, or a certificate cannot be read.</exception>
    public static EtcdLeaseOptions FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    internal static EtcdLeaseOptions FromEnvironment(Func<string, string?> variable)
    {
        string? Read(string name, string? fallback = null)
        {
            string? value = variable(name);
            if (string.IsNullOrWhiteSpace(value) && fallback is not null)
            {
                value = variable(fallback);
            }

            return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }

        string endpoints = Read("TOOLSTACK_ETCD_ENDPOINTS", "ETCDCTL_ENDPOINTS")
            ?? throw new ArgumentException("No etcd endpoints: set TOOLSTACK_ETCD_ENDPOINTS (or ETCDCTL_ENDPOINTS), e.g. http://10.0.0.1:2379,http://10.0.0.2:2379.");
        string? cert = Read("TOOLSTACK_ETCD_CERT", "ETCDCTL_CERT");
        string? key = Read("TOOLSTACK_ETCD_KEY", "ETCDCTL_KEY");
        string? ca = Read("TOOLSTACK_ETCD_CACERT", "ETCDCTL_CACERT");
        if ((cert is null) != (key is null))
        {
            throw new ArgumentException("TOOLSTACK_ETCD_CERT and TOOLSTACK_ETCD_KEY must be set together.");
        }

        X509Certificate2? clientCertificate = null;
        X509Certificate2Collection? authorities = null;
        try
        {
            if (cert is not null)
            {
                clientCertificate = X509Certificate2.CreateFromPemFile(cert, key);
            }

            if (ca is not null)
            {
                authorities = new X509Certificate2Collection();
                authorities.ImportFromPemFile(ca);
            }
        }
        catch (Exception e) when (e is System.IO.IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"Cannot read the etcd TLS files ({cert ?? ca}): {e.Message}", e);
        }

        string scheme = clientCertificate is not null || authorities is not null ? "https://" : "http://";
        var options = new EtcdLeaseOptions
        {
            Endpoints = endpoints.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(e => ParseEndpoint(e.Contains("://", StringComparison.Ordinal) ? e : scheme + e))
                .ToArray(),
            ClientCertificate = clientCertificate,
            TrustedAuthorities = authorities,
        };
        if (Read("TOOLSTACK_ETCD_TTL") is string ttl)
        {
            options = options with { Ttl = Seconds("TOOLSTACK_ETCD_TTL", ttl) };
        }

        if (Read("TOOLSTACK_ETCD_CONNECT_TIMEOUT") is string timeout)
        {
            options = options with { ConnectTimeout = Seconds("TOOLSTACK_ETCD_CONNECT_TIMEOUT", timeout) };
        }

        if (Read("TOOLSTACK_ETCD_KEY_PREFIX") is string prefix)
        {
            options = options with { KeyPrefix = prefix };
        }

        options.Validate();
        return options;
    }

    /// <summary>Checks every setting; called by <see cref="EtcdConnection.ConnectAsync"/>.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate()
    {
        if (Endpoints is null || Endpoints.Count == 0)
        {
            throw new ArgumentException("At least one etcd endpoint is needed.", nameof(Endpoints));
        }

        foreach (Uri endpoint in Endpoints)
        {
            if (endpoint is null || !endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)
                || endpoint.AbsolutePath != "/")
            {
                throw new ArgumentException($"'{endpoint}' is not an etcd client URL (http://host:port or https://host:port).", nameof(Endpoints));
            }
        }

        bool tls = Endpoints[0].Scheme == Uri.UriSchemeHttps;
        if (Endpoints.Any(e => (e.Scheme == Uri.UriSchemeHttps) != tls))
        {
            throw new ArgumentException("Mixed http:// and https:// etcd endpoints: use one scheme for all.", nameof(Endpoints));
        }

        if (!tls && (ClientCertificate is not null || TrustedAuthorities is not null))
        {
            throw new ArgumentException("TLS certificates are set but the etcd endpoints are http://; use https:// endpoints.", nameof(ClientCertificate));
        }

        if (ClientCertificate is not null && !ClientCertificate.HasPrivateKey)
        {
            throw new ArgumentException("The etcd client certificate has no private key.", nameof(ClientCertificate));
        }

        if (Ttl < MinimumTtl || Ttl.Ticks % TimeSpan.TicksPerSecond != 0 || Ttl > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"The lease TTL must be whole seconds between {MinimumTtl.TotalSeconds} s and 1 h, not {Ttl}.", nameof(Ttl));
        }

        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout > TimeSpan.FromMinutes(5))
        {
            throw new ArgumentException($"The connect timeout must be positive and at most 5 min, not {ConnectTimeout}.", nameof(ConnectTimeout));
        }

        if (string.IsNullOrEmpty(KeyPrefix) || !KeyPrefix.EndsWith('/'))
        {
            throw new ArgumentException($"The key prefix must end with '/', not '{KeyPrefix}'.", nameof(KeyPrefix));
        }
    }

    private static Uri ParseEndpoint(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out Uri? uri)
            ? uri
            : throw new ArgumentException($"'{text}' is not an etcd endpoint URL.");

    private static TimeSpan Seconds(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"{name} must be a whole number of seconds, not '{text}'.");
}
