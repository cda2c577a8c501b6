using Toolstack.Runtime.Tests.Locking;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Hotplug.Support;

/// <summary>
/// A real QEMU (<c>-M pc -S -nodefaults -device ide-cd,id=cd0</c>), a lock directory, and a
/// domain with userdata whose monitor is connected to that QEMU. Disposes all of it.
/// </summary>
internal sealed class CdromRig : IAsyncDisposable
{
    /// <summary>How long taking a free lock may take before a test calls it stuck.</summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);

    private CdromRig(QemuProcess qemu, TempLockDirectory directory, QmpClient qmp, DomainUserdata userdata, Domain domain)
    {
        Qemu = qemu;
        Directory = directory;
        Qmp = qmp;
        Userdata = userdata;
        Domain = domain;
    }

    public QemuProcess Qemu { get; }

    public TempLockDirectory Directory { get; }

    /// <summary>The domain's monitor; tests query QEMU through it too (calls may overlap).</summary>
    public QmpClient Qmp { get; }

    public DomainUserdata Userdata { get; }

    public Domain Domain { get; }

    public QmpLock QmpLock => Domain.QmpLock!;

    public JsonLock JsonLock => Domain.JsonLock!;

    public static async Task<CdromRig> StartAsync(string domainId = "3.cdrom")
    {
        var directory = new TempLockDirectory();
        QemuProcess? qemu = null;
        QmpClient? qmp = null;
        try
        {
            qemu = QemuProcess.StartPcWithCdrom();
            qmp = await QmpClient.ConnectAsync(qemu.SocketPath, QmpTimeouts.MustCompleteToken());
            DomainUserdata userdata = directory.Domain(domainId);
            var domain = new Domain(domainId, userdata);
            AttachMonitor(domain, qmp);
            return new CdromRig(qemu, directory, qmp, userdata, domain);
        }
        catch
        {
            if (qmp is not null)
            {
                await qmp.DisposeAsync();
            }

            qemu?.Dispose();
            directory.Dispose();
            throw;
        }
    }

    public static void AttachMonitor(Domain domain, QmpClient qmp)
    {
        using (domain.StateLock.Lock())
        {
            domain.AttachMonitor(qmp, DomainRunState.Paused);
        }
    }

    /// <summary>A 64 KiB image file named <paramref name="name"/> in the lock directory; its absolute path.</summary>
    public string Image(string name)
    {
        string path = Path.Combine(Directory.Path, name);
        File.WriteAllBytes(path, new byte[64 * 1024]);
        return path;
    }

    /// <summary>QEMU and the config, captured with the domain's locks taken (they must be free), the invariant checked.</summary>
    public async Task<CdromState> StateAsync()
    {
        CdromState state = await CdromState.CaptureAsync(Qmp, QmpLock, JsonLock, LockTimeout);
        state.AssertInvariant();
        return state;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Qmp.DisposeAsync();
        }
        finally
        {
            Qemu.Dispose();
            Directory.Dispose();
        }
    }
}
