using System.Diagnostics;
using System.IO;
using Mono.Unix.Native;

namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// flock(1) from util-linux, the other process in the cross-process tests, and /proc/locks, which
/// shows who is blocked waiting for a flock.
/// </summary>
internal static class FlockTool
{
    public const string Program = "/usr/bin/flock";

    public static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    /// <summary>How long a "must still be waiting" check watches.</summary>
    public static readonly TimeSpan StillWaiting = TimeSpan.FromMilliseconds(300);

    /// <summary>Runs <c>flock -n PATH true</c>: 0 when the lock was free, 1 when it is held. Creates PATH if missing.</summary>
    public static int TryLockOnce(string path)
    {
        using Process process = Start("-n", path, "true");
        try
        {
            if (!process.WaitForExit(Generous))
            {
                throw new TimeoutException($"flock -n {path} true did not exit");
            }

            return process.ExitCode;
        }
        finally
        {
            Kill(process);
        }
    }

    /// <summary>Starts <c>flock PATH true</c>, which waits for the lock, then exits 0.</summary>
    public static Process StartBlockingTrue(string path) => Start(path, "true");

    public static Process Start(params string[] arguments)
    {
        var info = new ProcessStartInfo(Program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("flock(1) did not start");
    }

    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(Generous);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    /// <summary>
    /// Whether /proc/locks shows someone blocked in flock(LOCK_EX) on the file PATH names now
    /// (a line <c>N: -&gt; FLOCK ADVISORY WRITE pid maj:min:inode ...</c>).
    /// </summary>
    public static bool SomeoneBlockedOn(string path)
    {
        if (Syscall.stat(path, out Stat stat) != 0)
        {
            return false;
        }

        ulong dev = stat.st_dev;
        ulong major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffUL);
        ulong minor = (dev & 0xff) | ((dev >> 12) & ~0xffUL);
        string file = $"{major:x2}:{minor:x2}:{stat.st_ino}";
        foreach (string line in File.ReadLines("/proc/locks"))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 6 && fields[1] == "->" && fields[2] == "FLOCK" && fields.Contains(file))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Polls until <paramref name="condition"/> holds, failing after <see cref="Generous"/>.</summary>
    public static void WaitUntil(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > Generous)
            {
                throw new TimeoutException($"Timed out waiting until {what}");
            }

            Thread.Sleep(10);
        }
    }
}

/// <summary>
/// A real process holding a flock on a file: <c>flock PATH cat</c>, which holds until its stdin
/// is closed (<see cref="Release"/>). Killed, with its child, on Dispose.
/// </summary>
internal sealed class FlockHolder : IDisposable
{
    private readonly Process _process;

    private FlockHolder(string path, Process process)
    {
        Path = path;
        _process = process;
    }

    public string Path { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the holder and returns once it holds: the file exists and <c>flock -n</c> on it fails.</summary>
    public static FlockHolder Start(string path)
    {
        var holder = new FlockHolder(path, FlockTool.Start(path, "cat"));
        try
        {
            // flock(1) creates the file; probing before it exists would create it ourselves.
            FlockTool.WaitUntil(
                () => File.Exists(path) && FlockTool.TryLockOnce(path) == 1,
                $"flock(1) holds {path}");
            return holder;
        }
        catch
        {
            holder.Dispose();
            throw;
        }
    }

    /// <summary>Closes its stdin, so cat and then flock(1) exit, releasing the lock; waits for that.</summary>
    public void Release()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(FlockTool.Generous))
        {
            throw new TimeoutException($"flock(1) on {Path} did not exit");
        }

        Assert.Equal(0, _process.ExitCode);
    }

    public void Dispose()
    {
        FlockTool.Kill(_process);
        _process.Dispose();
    }
}
