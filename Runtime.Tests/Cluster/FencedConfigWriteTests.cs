using Toolstack.Runtime.Tests.Locking;

namespace Toolstack.Runtime.Tests.Cluster;

/// <summary>The fenced config write, without etcd: the highest token written wins.</summary>
public sealed class FencedConfigWriteTests
{
    [Fact]
    public void LowerTokenRefused_EqualOrHigherWritten_UnfencedUnaffected()
    {
        using var directory = new TempLockDirectory();
        DomainUserdata domain = directory.Domain("vm1");
        var json = new JsonLock(domain);
        DomainConfig one = DomainConfig.Empty.WithDisk(new DiskConfig { Device = "cd0", IsCdrom = true });
        using (LockHandle h = json.Lock())
        {
            DomainConfigFile.Write(h, one, 7);
            DomainConfigFile.Write(h, one, 7);
            FencedWriteException e = Assert.Throws<FencedWriteException>(() => DomainConfigFile.Write(h, DomainConfig.Empty, 6));
            Assert.Equal(7, e.HighestToken);
            Assert.Equal(6, e.FencingToken);
            Assert.Equal(one.Disks.Length, DomainConfigFile.Read(h).Disks.Length); // nothing written
            DomainConfigFile.Write(h, DomainConfig.Empty, 9);
            Assert.Throws<FencedWriteException>(() => DomainConfigFile.Write(h, one, 8));
            DomainConfigFile.Write(h, one); // unfenced writes neither check nor lower it
            Assert.Throws<FencedWriteException>(() => DomainConfigFile.Write(h, one, 8));
            Assert.Throws<ArgumentOutOfRangeException>(() => DomainConfigFile.Write(h, one, 0));
        }

        Assert.DoesNotContain(directory.Entries(), n => n.Contains(".tmp-", StringComparison.Ordinal));
        domain.Destroy();
        Assert.DoesNotContain(directory.Entries(), n => n.Contains("fencing", StringComparison.Ordinal));
    }
}
