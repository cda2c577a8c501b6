using System.Diagnostics;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Domains;

/// <summary>libvirt's job and monitor pattern against a real QEMU.</summary>
public sealed class DomainMonitorTests
{
    private static async Task<(QemuProcess Qemu, QmpClient Qmp, Domain Domain)> StartAsync()
    {
        QemuProcess qemu = QemuProcess.StartNone();
        QmpClient qmp = await QmpClient.ConnectAsync(qemu.SocketPath, QmpTimeouts.MustCompleteToken());
        var domain = new Domain("vm1");
        using (domain.StateLock.Lock())
        {
            domain.AttachMonitor(qmp, DomainRunState.Running);
        }

        return (qemu, qmp, domain);
    }

    [QemuFact]
    public async Task EnterMonitor_QmpCallThenExit_DomainAliveAndStateUpdated()
    {
        (QemuProcess qemu, QmpClient qmp, Domain domain) = await StartAsync();
        using (qemu)
        await using (qmp)
        {
            await using DomainJob job = await domain.BeginJobAsync(DomainJobKind.Modify);
            using (LockHandle vm = domain.StateLock.Lock())
            {
                QmpClient monitor = domain.EnterMonitor(job);
                Assert.True(vm.IsSuspended);
                await monitor.StopAsync(QmpTimeouts.MustCompleteToken());
                Assert.True(domain.ExitMonitor(job));
                Assert.True(vm.IsHeld);
                domain.State = DomainRunState.Paused;
            }

            using (domain.StateLock.Lock())
            {
                Assert.Equal(DomainRunState.Paused, domain.State);
            }

            Assert.Equal("paused", (await qmp.QueryStatusAsync(QmpTimeouts.MustCompleteToken())).Status);
        }
    }

    [QemuFact]
    public async Task InsideTheMonitor_QemuStalled_OthersStillGetTheDomainLockAndTheDriverLock()
    {
        (QemuProcess qemu, QmpClient qmp, Domain domain) = await StartAsync();
        using (qemu)
        await using (qmp)
        {
            var driver = new Driver();
            driver.Define(domain);
            await using DomainJob job = await domain.BeginJobAsync(DomainJobKind.Query);
            using LockHandle vm = domain.StateLock.Lock();
            QmpClient monitor = domain.EnterMonitor(job);
            qemu.Stop();
            using var give_up = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            Task stalled = monitor.QueryStatusAsync(give_up.Token);

            // One stuck QEMU must not lock out readers of its domain, nor every other API call.
            var watch = Stopwatch.StartNew();
            DomainRunState seen = await Task.Run(() =>
            {
                Assert.Same(domain, driver.Lookup("vm1"));
                using (domain.StateLock.Lock())
                {
                    return domain.State;
                }
            }).WaitAsync(QmpTimeouts.MustComplete);
            TimeSpan elapsed = watch.Elapsed;

            Assert.Equal(DomainRunState.Running, seen);
            Assert.True(elapsed < TimeSpan.FromSeconds(1), $"took {elapsed}");
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stalled);
            qemu.Continue();
            Assert.True(domain.ExitMonitor(job));
        }
    }

    [QemuFact]
    public async Task QemuKilledInsideTheMonitor_CallFails_ExitTellsTheDomainDied()
    {
        (QemuProcess qemu, QmpClient qmp, Domain domain) = await StartAsync();
        using (qemu)
        await using (qmp)
        {
            await using DomainJob job = await domain.BeginJobAsync(DomainJobKind.Modify);
            using LockHandle vm = domain.StateLock.Lock();
            QmpClient monitor = domain.EnterMonitor(job);
            qemu.Stop();
            Task pending = monitor.QueryStatusAsync(QmpTimeouts.MustCompleteToken());

            qemu.Kill();

            await Assert.ThrowsAsync<QmpDisconnectedException>(() => pending.WaitAsync(QmpTimeouts.MustComplete));
            Assert.False(domain.ExitMonitor(job));
            Assert.Equal(DomainRunState.Crashed, domain.State);
            Assert.Null(domain.Monitor);
        }
    }

    [QemuFact]
    public async Task JobEndedInsideTheMonitor_ReleasesTheDomainLockForGood()
    {
        (QemuProcess qemu, QmpClient qmp, Domain domain) = await StartAsync();
        using (qemu)
        await using (qmp)
        {
            DomainJob job = await domain.BeginJobAsync(DomainJobKind.Modify);
            LockHandle vm = domain.StateLock.Lock();
            domain.EnterMonitor(job);

            // An exception skipped ExitMonitor: ending the job and disposing the handle must not
            // release the lock twice, and the next job must find everything free.
            job.Dispose();
            vm.Dispose();

            await using DomainJob next = await domain.BeginJobAsync(DomainJobKind.Modify, TimeSpan.FromSeconds(5));
            using (domain.StateLock.Lock())
            {
                Assert.Equal(DomainRunState.Running, domain.State);
            }
        }
    }

    [QemuFact]
    public async Task QemuQuitsOnItsOwn_DomainBecomesCrashed_MarkShutoffAfterAQuitKeepsShutoff()
    {
        (QemuProcess qemu, QmpClient qmp, Domain domain) = await StartAsync();
        using (qemu)
        await using (qmp)
        {
            qemu.Kill();
            await qmp.Closed.WaitAsync(QmpTimeouts.MustComplete);

            // The watcher takes the domain lock after the connection closed.
            var deadline = Stopwatch.StartNew();
            DomainRunState state;
            do
            {
                await Task.Delay(20);
                using (domain.StateLock.Lock())
                {
                    state = domain.State;
                }
            }
            while (state != DomainRunState.Crashed && deadline.Elapsed < QmpTimeouts.MustComplete);

            Assert.Equal(DomainRunState.Crashed, state);
            using (domain.StateLock.Lock())
            {
                domain.MarkShutoff();
                Assert.Equal(DomainRunState.Shutoff, domain.State);
                Assert.False(domain.IsActive);
            }
        }
    }
}
