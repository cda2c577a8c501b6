using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Toolstack.Runtime;

namespace Toolstack.Bench.Runtime;

/// <summary>
/// QmpClient's query-status round trip against a raw-socket client (greeting, qmp_capabilities,
/// then one line out and one line in) on the same real QEMU — target at most 1.1× — and the
/// per-call time of 100 concurrent calls (calls/s = 1e9 / ns). The raw client is measured both
/// blocking (the baseline) and async like QmpClient.
/// </summary>
/// <remarks>
/// QEMU serves one monitor client at a time on a socket, so each client has its own QEMU
/// (both <c>-M none</c>, idle: the same work per command).
/// </remarks>
[MemoryDiagnoser]
public class QmpBenchmarks
{
    private const int Concurrent = 100;
    private static readonly byte[] s_queryStatus = Encoding.ASCII.GetBytes("{\"execute\":\"query-status\"}\n");

    private string _directory = "";
    private Process? _qemuRaw;
    private Process? _qemuClient;
    private Socket _raw = null!;
    private NetworkStream _rawStream = null!;
    private readonly byte[] _buffer = new byte[4096];
    private QmpClient _client = null!;
    private readonly Task<QmpStatus>[] _calls = new Task<QmpStatus>[Concurrent];

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("tsqmp-").FullName;
        string rawPath = Path.Combine(_directory, "raw.sock");
        string clientPath = Path.Combine(_directory, "client.sock");
        _qemuRaw = StartQemu(rawPath);
        _qemuClient = StartQemu(clientPath);
        _raw = ConnectRaw(rawPath);
        _rawStream = new NetworkStream(_raw, ownsSocket: false);
        ReadReply(requireReturn: false); // the greeting
        _rawStream.Write(Encoding.ASCII.GetBytes("{\"execute\":\"qmp_capabilities\"}\n"));
        ReadReply(requireReturn: true);
        _client = Retry(() => QmpClient.ConnectAsync(clientPath).GetAwaiter().GetResult());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _rawStream.Dispose();
        _raw.Dispose();
        foreach (Process? qemu in new[] { _qemuRaw, _qemuClient })
        {
            if (qemu is not null && !qemu.HasExited)
            {
                qemu.Kill();
                qemu.WaitForExit();
            }

            qemu?.Dispose();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public void RawSocketQueryStatus()
    {
        _rawStream.Write(s_queryStatus);
        ReadReply(requireReturn: true);
    }

    /// <summary>
    /// The same raw socket with QmpClient's await style (async send, async receive, the caller
    /// blocking on the task), so the ratio to it is what QmpClient adds, not what async I/O costs.
    /// </summary>
    [Benchmark]
    public void RawSocketAsyncQueryStatus() => RawAsyncRoundTrip().GetAwaiter().GetResult();

    [Benchmark]
    public QmpStatus QmpClientQueryStatus() => _client.QueryStatusAsync().GetAwaiter().GetResult();

    /// <summary>100 calls in flight at once; the time shown is per call.</summary>
    [Benchmark(OperationsPerInvoke = Concurrent)]
    public void QmpClientQueryStatus100Concurrent()
    {
        for (int i = 0; i < Concurrent; i++)
        {
            _calls[i] = _client.QueryStatusAsync();
        }

        Task.WaitAll(_calls);
    }

    private async Task RawAsyncRoundTrip()
    {
        await _raw.SendAsync(s_queryStatus, SocketFlags.None).ConfigureAwait(false);
        int filled = 0;
        while (true)
        {
            int n = await _raw.ReceiveAsync(_buffer.AsMemory(filled), SocketFlags.None).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("QEMU closed the monitor");
            }

            filled += n;
            if (_buffer[filled - 1] == (byte)'\n' && new ReadOnlySpan<byte>(_buffer, 0, filled).IndexOf("\"return\""u8) >= 0)
            {
                return; // an idle -M none QEMU sends no events: one reply line
            }
        }
    }

    /// <summary>Reads whole lines until a reply (return or error) arrives; events are skipped.</summary>
    private void ReadReply(bool requireReturn)
    {
        int filled = 0;
        while (true)
        {
            int n = _rawStream.Read(_buffer, filled, _buffer.Length - filled);
            if (n == 0)
            {
                throw new IOException("QEMU closed the monitor");
            }

            filled += n;
            int start = 0;
            int newline;
            while ((newline = Array.IndexOf(_buffer, (byte)'\n', start, filled - start)) >= 0)
            {
                var line = new ReadOnlySpan<byte>(_buffer, start, newline - start);
                start = newline + 1;
                bool reply = requireReturn
                    ? line.IndexOf("\"return\""u8) >= 0 || line.IndexOf("\"error\""u8) >= 0
                    : line.IndexOf("\"QMP\""u8) >= 0;
                if (reply)
                {
                    if (start != filled)
                    {
                        throw new InvalidOperationException("unexpected data after the reply");
                    }

                    return;
                }
            }

            Array.Copy(_buffer, start, _buffer, 0, filled - start);
            filled -= start;
        }
    }

    private static Process StartQemu(string socketPath)
    {
        var info = new ProcessStartInfo("qemu-system-x86_64")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in new[] { "-M", "none", "-nodefaults", "-display", "none", "-qmp", $"unix:{socketPath},server=on,wait=off" })
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("cannot start qemu-system-x86_64");
    }

    private static Socket ConnectRaw(string path) => Retry(() =>
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    });

    /// <summary>QEMU's socket exists a moment before it listens: retry for up to 10 s.</summary>
    private static T Retry<T>(Func<T> connect)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                return connect();
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }
}
