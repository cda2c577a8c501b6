using System.Net.Sockets;

namespace Toolstack.Runtime.Tests.Qmp.Support;

/// <summary>
/// A scripted in-process QMP server on a Unix socket, for what real QEMU will not do
/// (malformed lines, stalls, EOF in the middle of a message). It accepts one client and runs the
/// test's script against it; <see cref="Completion"/> surfaces the script's own failures.
/// </summary>
internal sealed class FakeQmpServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly DirectoryInfo _directory;
    private readonly CancellationTokenSource _stop = new(QmpTimeouts.MustComplete * 2);
    private readonly Task _run;

    private FakeQmpServer(DirectoryInfo directory, Socket listener, Func<FakeQmpPeer, CancellationToken, Task> script)
    {
        _directory = directory;
        _listener = listener;
        SocketPath = Path.Combine(directory.FullName, "fake.sock");
        _run = Task.Run(() => RunAsync(script));
    }

    public string SocketPath { get; }

    /// <summary>Completes when the script has run (and the client's socket is closed); faults with what it threw.</summary>
    public Task Completion => _run;

    public static FakeQmpServer Start(Func<FakeQmpPeer, CancellationToken, Task> script)
    {
        DirectoryInfo directory = Directory.CreateTempSubdirectory("tsfake-");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(Path.Combine(directory.FullName, "fake.sock")));
            listener.Listen(4);
        }
        catch
        {
            listener.Dispose();
            directory.Delete(recursive: true);
            throw;
        }

        return new FakeQmpServer(directory, listener, script);
    }

    /// <summary>Waits for the script, rethrowing its failure.</summary>
    public Task WaitAsync() => _run.WaitAsync(QmpTimeouts.MustComplete);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        try
        {
            await _run.WaitAsync(QmpTimeouts.MustComplete).ConfigureAwait(false);
        }
        catch
        {
            // A test that cares awaits Completion itself.
        }

        _stop.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task RunAsync(Func<FakeQmpPeer, CancellationToken, Task> script)
    {
        Socket client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
        using var peer = new FakeQmpPeer(client);
        await script(peer, _stop.Token).ConfigureAwait(false);
    }
}
