using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Domains;

/// <summary>
/// "Hold the domain lock" means the calling thread holds it: another thread's hold does not let a
/// caller read the guarded state or enter the monitor, and a refused call changes nothing.
/// </summary>
public sealed class DomainLockOwnershipTests
{
    [Fact]
    public void State_LockHeldByAnotherThread_ThrowsLockNotHeld()
    {
        var domain = new Domain("vm1");
        using var holder = OtherThreadHolder.Take(domain.StateLock);

        Assert.Throws<LockNotHeldException>(() => domain.State);
        Assert.Throws<LockNotHeldException>(() => domain.State = DomainRunState.Paused);
        Assert.Throws<LockNotHeldException>(() => domain.IsActive);
        Assert.Throws<LockNotHeldException>(() => domain.Monitor);
        Assert.Throws<LockNotHeldException>(() => domain.MarkShutoff());
    }

    [Fact]
    public void State_LockHeldByThisThread_Works()
    {
        var domain = new Domain("vm1");
        using (domain.StateLock.Lock())
        {
            domain.State = DomainRunState.Paused;
            Assert.Equal(DomainRunState.Paused, domain.State);
        }
    }

    [QemuFact]
    public async Task EnterMonitor_LockHeldByAnotherThread_ThrowsLockNotHeld_AndTheHolderKeepsTheLock()
    {
        using QemuProcess qemu = QemuProcess.StartNone();
        await using QmpClient qmp = await QmpClient.ConnectAsync(qemu.SocketPath, QmpTimeouts.MustCompleteToken());
        var domain = new Domain("vm1");
        using (domain.StateLock.Lock())
        {
            domain.AttachMonitor(qmp, DomainRunState.Running);
        }

        await using DomainJob job = await domain.BeginJobAsync(DomainJobKind.Modify);
        using (var holder = OtherThreadHolder.Take(domain.StateLock))
        {
            // Before the fix this suspended the other thread's hold and handed out the monitor.
            Assert.Throws<LockNotHeldException>(() => domain.EnterMonitor(job));

            Assert.True(holder.Handle.IsHeld);
            Assert.False(holder.Handle.IsSuspended);
        }

        // Nothing changed: the job can still enter and leave the monitor properly.
        using (LockHandle vm = domain.StateLock.Lock())
        {
            QmpClient monitor = domain.EnterMonitor(job);
            Assert.Equal("running", (await monitor.QueryStatusAsync(QmpTimeouts.MustCompleteToken())).Status);
            Assert.True(domain.ExitMonitor(job));
        }
    }

    /// <summary>Holds a lock on a thread of its own until disposed.</summary>
    private sealed class OtherThreadHolder : IDisposable
    {
        private readonly ManualResetEventSlim _taken = new();
        private readonly ManualResetEventSlim _release = new();
        private readonly Thread _thread;
        private LockHandle? _handle;

        private OtherThreadHolder(DomainLock vm)
        {
            _thread = new Thread(() =>
            {
                using LockHandle handle = vm.Lock();
                _handle = handle;
                _taken.Set();
                _release.Wait();
            }) { IsBackground = true };
            _thread.Start();
            Assert.True(_taken.Wait(QmpTimeouts.MustComplete));
        }

        public LockHandle Handle => _handle!;

        public static OtherThreadHolder Take(DomainLock vm) => new(vm);

        public void Dispose()
        {
            _release.Set();
            Assert.True(_thread.Join(QmpTimeouts.MustComplete));
        }
    }
}
