using Toolstack.Runtime.Tests.Locking;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Hotplug.Support;

/// <summary>
/// A real QEMU (<c>-M pc -S -nodefaults -device ide-cd,id=cd0</c>), a lock directory, and a
/// domain with userdata whose monitor is connected to that QEMU. Disposes all of it.
/// </summary>
/// <remarks>
/// With <c>running: true</c> the VM runs (no <c>-S</c>): QEMU 7.2 closes a removed fd set only
/// while the VM runs, so fd-set settlement is observable only then. With
/// <c>separateMonitor: true</c> the domain talks to QEMU through its own second QMP socket
/// (<see cref="DomainQmp"/>) and <see cref="Qmp"/> only observes, so a test can stall the
/// domain's connection and still look at QEMU.
/// </remarks>
internal sealed class CdromRig : IAsyncDisposable
{
    /// <summary>How long taking a free lock may take before a test calls it stuck.</summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);

    private CdromRig(QemuProcess qemu, TempLockDirectory directory, QmpClient qmp, QmpClient domainQmp, DomainUserdata userdata, Domain domain)
    {
        Qemu = qemu;
        Directory = directory;
        Qmp = qmp;
        DomainQmp = domainQmp;
        Userdata = userdata;
        Domain = domain;
    }

    public QemuProcess Qemu { get; }

    public TempLockDirectory Directory { get; }

    /// <summary>The domain's monitor; tests query QEMU through it too (calls may overlap).</summary>
    public QmpClient Qmp { get; }

    /// <summary>The domain's own monitor: <see cref="Qmp"/> unless started with a separate one.</summary>
    public QmpClient DomainQmp { get; }

    public DomainUserdata Userdata { get; }

    public Domain Domain { get; }

    public QmpLock QmpLock => Domain.QmpLock!;

    public JsonLock JsonLock => Domain.JsonLock!;

    public static async Task<CdromRig> StartAsync(string domainId = "3.cdrom", bool running = false, bool separateMonitor = false)
    {
        var directory = new TempLockDirectory();
        QemuProcess? qemu = null;
        QmpClient? qmp = null;
        QmpClient? domainQmp = null;
        try
        {
            string domainSocket = Path.Combine(directory.Path, "domain.sock");
            List<string> arguments = ["-M", "pc", "-nodefaults", "-display", "none", "-device", "ide-cd,id=cd0"];
            if (!running)
            {
                arguments.Add("-S");
            }

            if (separateMonitor)
            {
                arguments.AddRange(["-qmp", $"unix:{domainSocket},server=on,wait=off"]);
            }

            qemu = QemuProcess.Start([.. arguments]);
            qmp = await QmpClient.ConnectAsync(qemu.SocketPath, QmpTimeouts.MustCompleteToken());
            domainQmp = separateMonitor ? await QmpClient.ConnectAsync(domainSocket, QmpTimeouts.MustCompleteToken()) : qmp;
            DomainUserdata userdata = directory.Domain(domainId);
            var domain = new Domain(domainId, userdata);
            using (domain.StateLock.Lock())
            {
                domain.AttachMonitor(domainQmp, running ? DomainRunState.Running : DomainRunState.Paused);
            }

            return new CdromRig(qemu, directory, qmp, domainQmp, userdata, domain);
        }
        catch
        {
            if (domainQmp is not null && domainQmp != qmp)
            {
                await domainQmp.DisposeAsync();
            }

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
            if (DomainQmp != Qmp)
            {
                await DomainQmp.DisposeAsync();
            }

            await Qmp.DisposeAsync();
        }
        finally
        {
            Qemu.Dispose();
            Directory.Dispose();
        }
    }
}
