using Mono.Unix.Native;

namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// The domain record is checked with lstat (issue 10). A FIFO planted as the record made the old
/// check (open O_RDONLY, then fstat) block for ever in open: <see cref="DomainUserdata.Exists"/>
/// and every <see cref="JsonLock.Lock"/> of that domain hung. Now it is refused at once.
/// </summary>
public sealed class DomainRecordCheckTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly TempLockDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static T Within<T>(Func<T> body)
    {
        // A thread of its own: a hang must fail this test, not stall the test host's pool.
        Task<T> task = Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(task.Wait(Patience), "the record check hung");
        return task.Result;
    }

    [Fact]
    public void Exists_RecordIsAFifo_RefusedWithoutHanging()
    {
        DomainUserdata domain = _dir.Domain(create: false);
        Assert.Equal(0, Syscall.mkfifo(domain.RecordPath, FilePermissions.S_IRUSR | FilePermissions.S_IWUSR));

        Exception? error = Within(() => Record.Exception(() => domain.Exists));

        Assert.IsType<LockDirectoryException>(error);
        Assert.Contains("not a regular file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonLock_RecordIsAFifo_RefusedWithoutHangingAndLockFree()
    {
        DomainUserdata domain = _dir.Domain(create: false);
        Assert.Equal(0, Syscall.mkfifo(domain.RecordPath, FilePermissions.S_IRUSR | FilePermissions.S_IWUSR));

        Exception? error = Within(() => Record.Exception(() => new JsonLock(domain).Lock()));

        Assert.IsType<LockDirectoryException>(error);
        Assert.Equal(0, FlockTool.TryLockOnce(domain.JsonLockPath));
    }

    [Fact]
    public void Exists_PlainRecordOfOurs_True_AndGoneAfterDestroy()
    {
        DomainUserdata domain = _dir.Domain();

        Assert.True(domain.Exists);
        domain.Destroy();
        Assert.False(domain.Exists);
    }
}
