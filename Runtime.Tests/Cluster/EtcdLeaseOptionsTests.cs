using Toolstack.Runtime.Cluster;

namespace Toolstack.Runtime.Tests.Cluster;

public sealed class EtcdLeaseOptionsTests
{
    [Fact]
    public void FromEnvironment_ReadsEndpointsTtlTimeoutAndPrefix_FallsBackToEtcdctl()
    {
        var env = new Dictionary<string, string>
        {
            ["ETCDCTL_ENDPOINTS"] = "10.0.0.1:2379, http://10.0.0.2:2379",
            ["TOOLSTACK_ETCD_TTL"] = "7",
            ["TOOLSTACK_ETCD_CONNECT_TIMEOUT"] = "3",
            ["TOOLSTACK_ETCD_KEY_PREFIX"] = "/x/",
        };
        EtcdLeaseOptions options = EtcdLeaseOptions.FromEnvironment(n => env.GetValueOrDefault(n));
        Assert.Equal(new[] { new Uri("http://10.0.0.1:2379"), new Uri("http://10.0.0.2:2379") }, options.Endpoints);
        Assert.Equal(TimeSpan.FromSeconds(7), options.Ttl);
        Assert.Equal(TimeSpan.FromSeconds(3), options.ConnectTimeout);
        Assert.Equal("/x/", options.KeyPrefix);
    }

    [Theory]
    [InlineData(null, null, null)]
    [InlineData("http://a:1", "x", null)]
    [InlineData("http://a:1", "1", null)]
    [InlineData("ftp://a:1", null, null)]
    [InlineData("http://a:1", null, "/no/cert.pem")]
    public void FromEnvironment_BadInput_ArgumentException(string? endpoints, string? ttl, string? cert)
    {
        var env = new Dictionary<string, string?>
        {
            ["TOOLSTACK_ETCD_ENDPOINTS"] = endpoints,
            ["TOOLSTACK_ETCD_TTL"] = ttl,
            ["TOOLSTACK_ETCD_CERT"] = cert,
            ["TOOLSTACK_ETCD_KEY"] = cert,
        };
        Assert.ThrowsAny<ArgumentException>(() => EtcdLeaseOptions.FromEnvironment(n => env.GetValueOrDefault(n)));
    }

    [Fact]
    public void Ttl_NotWholeSecondsOrBelowTwo_Refused()
    {
        Assert.ThrowsAny<ArgumentException>(() => new EtcdLeaseOptions { Endpoints = [new Uri("http://a:1")], Ttl = TimeSpan.FromMilliseconds(1500) }.Validate());
    }
}
