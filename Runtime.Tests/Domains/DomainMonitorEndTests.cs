using Toolstack.Runtime.Tests.Locking;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Domains;

/// <summary>
/// Monitor end-of-stream never runs on a thread that holds the domain lock: attaching a
/// connection that is already closed returns at once and the domain ends up crashed.
/// </summary>
[Collection(NonParallelCollection.Name)]
public sealed class DomainMonitorEndTests
{
    [QemuTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AttachMonitor_ClientAlreadyClosed_ReturnsAndTheDomainBecomesCrashed(bool validation)
    {
        using var scope = new Validation(validation);
        using QemuProcess qemu = QemuProcess.StartNone();
        QmpClient qmp = await QmpClient.ConnectAsync(qemu.SocketPath, QmpTimeouts.MustCompleteToken());
        await qmp.DisposeAsync();
        Assert.True(qmp.Closed.IsCompleted);
        var domain = new Domain("vm1");

        // On a thread of its own: before the fix the caller waited on the domain lock it held, forever
        // (or, with the validator on, threw LockOrderException and the domain stayed Running).
        Exception? failure = null;
        var attach = new Thread(() =>
        {
            try
            {
                using (domain.StateLock.Lock())
                {
                    domain.AttachMonitor(qmp, DomainRunState.Running);

                    // Still holding the lock when the watcher runs: it must wait for it, in a flow of
                    // its own (with the caller's flow it would look like this lock taken twice).
                    Thread.Sleep(QmpTimeouts.StaysQuiet);
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { IsBackground = true };
        attach.Start();
        Assert.True(attach.Join(QmpTimeouts.MustComplete), "AttachMonitor did not return: it waits on the domain lock its caller holds");
        Assert.Null(failure);

        DomainRunState state = await PollStateAsync(domain, s => s == DomainRunState.Crashed);
        Assert.Equal(DomainRunState.Crashed, state);
        using (domain.StateLock.Lock())
        {
            Assert.Null(domain.Monitor);
        }
    }

    private static async Task<DomainRunState> PollStateAsync(Domain domain, Func<DomainRunState, bool> done)
    {
        DateTime deadline = DateTime.UtcNow + QmpTimeouts.MustComplete;
        while (true)
        {
            DomainRunState state;
            using (domain.StateLock.Lock())
            {
                state = domain.State;
            }

            if (done(state) || DateTime.UtcNow > deadline)
            {
                return state;
            }

            await Task.Delay(10);
        }
    }

    private sealed class Validation(bool enabled) : ValidatorScope(enabled);
}
