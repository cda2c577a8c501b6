using System.Diagnostics;
using System.Text;
using Mono.Unix.Native;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Hotplug.Support;

/// <summary>
/// The <c>samples/Hotplug</c> program as a child process (<c>dotnet Hotplug.dll ...</c>), built by
/// Runtime.Tests' project reference: its stdout lines as they come, killed with SIGKILL on demand
/// and on Dispose.
/// </summary>
internal sealed class HotplugSample : IDisposable
{
    private static readonly Lazy<string> s_dll = new(Locate);

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly StringBuilder _errors = new();
    private readonly TaskCompletionSource<string> _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposed;

    private HotplugSample(Process process)
    {
        _process = process;
    }

    /// <summary>samples/Hotplug/bin/&lt;Configuration&gt;/&lt;tfm&gt;/Hotplug.dll, beside this test assembly's own bin directory.</summary>
    public static string DllPath => s_dll.Value;

    /// <summary>Completes with the child's first stdout line; faults if it ends without one.</summary>
    public Task<string> FirstLine => _firstLine.Task;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The stdout lines so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return _lines.ToList();
            }
        }
    }

    /// <summary>The last stdout line, or null before the first.</summary>
    public string? LastLine
    {
        get
        {
            lock (_lines)
            {
                return _lines.Count == 0 ? null : _lines[^1];
            }
        }
    }

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    public static HotplugSample Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(DllPath);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned null.");
        var sample = new HotplugSample(process);
        process.OutputDataReceived += (_, e) => sample.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => sample.OnError(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sample;
    }

    /// <summary>SIGKILL, then waits until it is reaped and its stdout is read to the end.</summary>
    /// <returns>False if it had already exited by itself.</returns>
    public bool Kill()
    {
        bool wasRunning = !_process.HasExited;
        if (wasRunning && Syscall.kill(_process.Id, Signum.SIGKILL) != 0 && Stdlib.GetLastError() != Errno.ESRCH)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGKILL) failed: {Stdlib.GetLastError()}");
        }

        WaitForExit(QmpTimeouts.MustComplete);
        return wasRunning;
    }

    /// <summary>Waits for it to exit and for its output to be read; throws if it does not exit in time.</summary>
    public void WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            throw new TimeoutException($"{this} did not exit within {timeout}.");
        }

        _process.WaitForExit(); // drains the redirected streams
        _outputClosed.Task.Wait(QmpTimeouts.MustComplete);
    }

    public override string ToString() => $"Hotplug sample (pid {_process.Id})";

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
                _process.Kill(entireProcessTree: true);
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
        }
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            _outputClosed.TrySetResult();
            _firstLine.TrySetException(new InvalidOperationException($"{this} ended without printing a line. stderr: {Errors}"));
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
        }

        _firstLine.TrySetResult(line);
    }

    private void OnError(string? line)
    {
        if (line is not null)
        {
            lock (_errors)
            {
                _errors.AppendLine(line);
            }
        }
    }

    /// <summary>The dotnet host running these tests (the SDK sets DOTNET_HOST_PATH), else dotnet on PATH.</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        if (Environment.ProcessPath is string self && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        return "dotnet";
    }

    private static string Locate()
    {
        // .../Runtime.Tests/bin/<Configuration>/<tfm>/ → .../samples/Hotplug/bin/<Configuration>/<tfm>/Hotplug.dll
        var bin = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        DirectoryInfo configuration = bin.Parent ?? throw new InvalidOperationException($"Unexpected test directory {bin}.");
        DirectoryInfo repository = configuration.Parent?.Parent?.Parent
            ?? throw new InvalidOperationException($"Unexpected test directory {bin}.");
        string dll = Path.Combine(repository.FullName, "samples", "Hotplug", "bin", configuration.Name, bin.Name, "Hotplug.dll");
        return File.Exists(dll)
            ? dll
            : throw new FileNotFoundException($"The Hotplug sample is not built at {dll}; Runtime.Tests' project reference builds it.", dll);
    }
}
