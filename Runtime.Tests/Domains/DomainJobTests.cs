using System.Diagnostics;

namespace Toolstack.Runtime.Tests.Domains;

/// <summary>Jobs, guarded state and the driver, without QEMU.</summary>
public sealed class DomainJobTests
{
    private static readonly TimeSpan MustComplete = TimeSpan.FromSeconds(15);

    [Fact]
    public void State_WithoutItsLock_ThrowsLockNotHeld_WithItIsReadAndWritten()
    {
        var domain = new Domain("vm1");

        Assert.Throws<LockNotHeldException>(() => domain.State);
        Assert.Throws<LockNotHeldException>(() => domain.State = DomainRunState.Paused);
        using (domain.StateLock.Lock())
        {
            Assert.Equal(DomainRunState.Shutoff, domain.State);
            domain.State = DomainRunState.Paused;
            Assert.True(domain.IsActive);
            Assert.Null(domain.Monitor);
        }
    }

    [Fact]
    public async Task BeginJob_WhileAnotherJobRuns_TimesOutWithTheStateChangeLockMessage()
    {
        var domain = new Domain("vm1");
        await using DomainJob first = await domain.BeginJobAsync(DomainJobKind.Modify);
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<DomainJobTimeoutException>(
            () => domain.BeginJobAsync(DomainJobKind.Query, TimeSpan.FromMilliseconds(200)));

        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(150), MustComplete);
        Assert.Contains("Cannot acquire state change lock of domain 'vm1'", error.Message);
        Assert.Equal(DomainJobKind.Modify, error.HolderKind);
        Assert.Equal(DomainJobKind.Query, error.Wanted);
    }

    [Fact]
    public async Task BeginJob_AfterThePreviousEnded_Begins_AndDisposeIsIdempotent()
    {
        var domain = new Domain("vm1");
        DomainJob first = await domain.BeginJobAsync(DomainJobKind.Modify);
        Task<DomainJob> waiting = domain.BeginJobAsync(DomainJobKind.Destroy, MustComplete);
        Assert.False(waiting.IsCompleted);

        first.Dispose();
        first.Dispose();

        DomainJob second = await waiting.WaitAsync(MustComplete);
        Assert.False(first.IsActive);
        Assert.True(second.IsActive);
        Assert.Equal(DomainJobKind.Destroy, second.Kind);
        Assert.Same(domain, second.Domain);
        await second.DisposeAsync();

        // Only one job ended per Dispose: the gate is free again exactly once.
        await using DomainJob third = await domain.BeginJobAsync(DomainJobKind.Query, MustComplete);
        await Assert.ThrowsAsync<DomainJobTimeoutException>(
            () => domain.BeginJobAsync(DomainJobKind.Query, TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public async Task BeginJob_Cancelled_ThrowsAndTheNextJobStillBegins()
    {
        var domain = new Domain("vm1");
        DomainJob holder = await domain.BeginJobAsync(DomainJobKind.Modify);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => domain.BeginJobAsync(DomainJobKind.Modify, MustComplete, cancel.Token));

        holder.Dispose();
        await using DomainJob next = await domain.BeginJobAsync(DomainJobKind.Modify, MustComplete);
        Assert.True(next.IsActive);
    }

    [Fact]
    public async Task EnterMonitor_JobOfAnotherDomainOrEnded_ThrowsDomainJobException()
    {
        var domain = new Domain("vm1");
        var other = new Domain("vm2");
        await using DomainJob foreign = await other.BeginJobAsync(DomainJobKind.Modify);
        DomainJob ended = await domain.BeginJobAsync(DomainJobKind.Modify);
        ended.Dispose();

        using LockHandle vm = domain.StateLock.Lock();
        Assert.Throws<DomainJobException>(() => domain.EnterMonitor(foreign));
        Assert.Throws<DomainJobException>(() => domain.EnterMonitor(ended));
        Assert.True(vm.IsHeld);
    }

    [Fact]
    public async Task EnterMonitor_NoQmpConnection_ThrowsAndKeepsTheLock()
    {
        var domain = new Domain("vm1");
        await using DomainJob job = await domain.BeginJobAsync(DomainJobKind.Modify);
        using LockHandle vm = domain.StateLock.Lock();

        var error = Assert.Throws<InvalidOperationException>(() => domain.EnterMonitor(job));

        Assert.Contains("no QMP connection", error.Message);
        Assert.True(vm.IsHeld);
    }

    [Fact]
    public async Task ExitMonitor_NotEntered_ThrowsDomainJobException()
    {
        var domain = new Domain("vm1");
        await using DomainJob job = await domain.BeginJobAsync(DomainJobKind.Modify);

        Assert.Throws<DomainJobException>(() => domain.ExitMonitor(job));
    }

    [Fact]
    public void Domain_WithUserdata_HasItsCrossProcessLocks_WithoutNone()
    {
        string directory = Directory.CreateTempSubdirectory("toolstack-domain-").FullName;
        try
        {
            var withFiles = new Domain("vm1", new DomainUserdata(directory, "1.vm1"));
            var without = new Domain("vm2");

            Assert.Equal("1.vm1", withFiles.JsonLock!.Domain.DomainId);
            Assert.Same(withFiles.Userdata, withFiles.QmpLock!.Domain);
            Assert.Null(without.JsonLock);
            Assert.Null(without.QmpLock);
            Assert.Equal("domain 'vm1'", withFiles.ToString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Driver_DefineLookupUndefine()
    {
        var driver = new Driver();
        var vm1 = new Domain("vm1");
        var vm2 = new Domain("vm2");

        driver.Define(vm2);
        driver.Define(vm1);

        Assert.Throws<ArgumentException>(() => driver.Define(new Domain("vm1")));
        Assert.Same(vm1, driver.Lookup("vm1"));
        Assert.Null(driver.Lookup("vm3"));
        Assert.Equal(new[] { vm1, vm2 }, driver.Domains);
        Assert.False(driver.Undefine(new Domain("vm1")));
        Assert.True(driver.Undefine(vm1));
        Assert.Null(driver.Lookup("vm1"));
    }

    [Fact]
    public void Driver_Lookup_DoesNotWaitForADomainLock()
    {
        var driver = new Driver();
        var vm1 = new Domain("vm1");
        driver.Define(vm1);
        using LockHandle busy = vm1.StateLock.Lock();

        Domain? found = null;
        var lookup = new Thread(() => found = driver.Lookup("vm1")) { IsBackground = true };
        lookup.Start();

        Assert.True(lookup.Join(MustComplete));
        Assert.Same(vm1, found);
    }
}
