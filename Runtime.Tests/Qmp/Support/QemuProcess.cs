using System.Diagnostics;
using System.Text;
using Mono.Unix.Native;

namespace Toolstack.Runtime.Tests.Qmp.Support;

/// <summary>
/// One real QEMU, started in its own temporary directory with a QMP socket, and killed (with
/// its children) and cleaned up on Dispose. Can be stopped, continued and killed by signal.
/// </summary>
internal sealed class QemuProcess : IDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly DirectoryInfo _directory;
    private bool _disposed;

    private QemuProcess(DirectoryInfo directory, string socketPath, Process process)
    {
        _directory = directory;
        SocketPath = socketPath;
        _process = process;
    }

    public string SocketPath { get; }

    public string Directory => _directory.FullName;

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The lifecycle machine: <c>-M none</c>, running, no devices.</summary>
    public static QemuProcess StartNone() => Start("-M", "none", "-nodefaults", "-display", "none");

    /// <summary>A PC in the prelaunch state (<c>-S</c>) with one empty IDE CD-ROM, <c>cd0</c>.</summary>
    public static QemuProcess StartPcWithCdrom() =>
        Start("-M", "pc", "-S", "-nodefaults", "-display", "none", "-device", "ide-cd,id=cd0");

    public static QemuProcess Start(params string[] arguments)
    {
        string executable = QemuAvailability.Path ?? throw new InvalidOperationException(
            $"{QemuAvailability.Executable} is not installed (CI=true: QEMU tests must run, not skip).");
        DirectoryInfo directory = System.IO.Directory.CreateTempSubdirectory("tsqmp-");
        string socketPath = System.IO.Path.Combine(directory.FullName, "qmp.sock");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = directory.FullName,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("-qmp");
        start.ArgumentList.Add($"unix:{socketPath},server=on,wait=off");

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned null.");
        }
        catch
        {
            directory.Delete(recursive: true);
            throw;
        }

        var qemu = new QemuProcess(directory, socketPath, process);
        process.OutputDataReceived += (_, e) => qemu.Record(e.Data);
        process.ErrorDataReceived += (_, e) => qemu.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            qemu.WaitForSocket();
        }
        catch
        {
            qemu.Dispose();
            throw;
        }

        return qemu;
    }

    /// <summary>SIGSTOP: QEMU stops reading and answering, but its socket stays open.</summary>
    public void Stop() => Signal(Signum.SIGSTOP);

    /// <summary>SIGCONT after <see cref="Stop"/>.</summary>
    public void Continue() => Signal(Signum.SIGCONT);

    /// <summary>SIGKILL, then reaps it: the kernel closes its end of every socket.</summary>
    public void Kill()
    {
        Signal(Signum.SIGKILL);
        _process.WaitForExit(QmpTimeouts.MustComplete);
    }

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true); // SIGKILL works on a stopped process too
                _process.WaitForExit(QmpTimeouts.MustComplete);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
        finally
        {
            _process.Dispose();
            try
            {
                _directory.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Best effort: the temp directory holds only the socket.
            }
        }
    }

    private void Signal(Signum signal)
    {
        if (Syscall.kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: {Stdlib.GetLastError()}");
        }
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private void WaitForSocket()
    {
        var clock = Stopwatch.StartNew();
        // The socket file appears at bind(2); connecting before listen(2) is refused. Wait for
        // the kernel to list it as listening (without connecting: QEMU serves one client).
        while (!IsListening(SocketPath))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"QEMU exited with {_process.ExitCode} before creating its QMP socket: {Output}");
            }

            if (clock.Elapsed > s_startTimeout)
            {
                throw new TimeoutException($"QEMU did not create {SocketPath} within {s_startTimeout}: {Output}");
            }

            Thread.Sleep(10);
        }
    }

    /// <summary>Whether /proc/net/unix lists <paramref name="path"/> with __SO_ACCEPTCON (listening).</summary>
    private static bool IsListening(string path)
    {
        const int AcceptCon = 0x10000;
        foreach (string line in File.ReadLines("/proc/net/unix").Skip(1))
        {
            // Num RefCount Protocol Flags Type St Inode Path
            string[] fields = line.Split(' ', 8, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 8 && fields[7] == path &&
                (int.Parse(fields[3], System.Globalization.NumberStyles.HexNumber) & AcceptCon) != 0)
            {
                return true;
            }
        }

        return false;
    }
}
