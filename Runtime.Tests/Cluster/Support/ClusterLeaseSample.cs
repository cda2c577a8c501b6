using System.Collections.Concurrent;
using System.Diagnostics;

namespace Toolstack.Runtime.Tests.Cluster.Support;

/// <summary>samples/ClusterLease as a second "host": a child process whose lines are "&lt;event&gt; &lt;unix ms&gt; &lt;token&gt;".</summary>
public sealed class ClusterLeaseSample : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = new();

    public ClusterLeaseSample(EtcdServer etcd, int ttlSeconds, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Dll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["TOOLSTACK_ETCD_ENDPOINTS"] = string.Join(",", etcd.Endpoints.Select(e => e.GetLeftPart(UriPartial.Authority)));
        start.Environment["TOOLSTACK_ETCD_TTL"] = ttlSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["TOOLSTACK_ETCD_CONNECT_TIMEOUT"] = "2";
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is string line)
            {
                _lines.Add(line);
            }
        };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is string line) { Stderr.Add(line); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public ConcurrentBag<string> Stderr { get; } = new();

    /// <summary>The next line, which must be <paramref name="evt"/>: its time and token.</summary>
    public (long UnixMs, long Token) Expect(string evt, TimeSpan within)
    {
        if (!_lines.TryTake(out string? line, within))
        {
            throw new TimeoutException($"No '{evt}' from the sample within {within}; stderr: {string.Join(" | ", Stderr)}");
        }

        string[] parts = line.Split(' ');
        Assert.True(parts[0] == evt, $"expected '{evt}', got '{line}'; stderr: {string.Join(" | ", Stderr)}");
        return (long.Parse(parts[1]), long.Parse(parts[2]));
    }

    public int WaitForExit(TimeSpan within)
    {
        Assert.True(_process.WaitForExit(within), "the sample did not exit in time");
        return _process.ExitCode;
    }

    public void Signal(string signal)
    {
        using Process kill = Process.Start("kill", $"-{signal} {_process.Id}")!;
        kill.WaitForExit();
    }

    public void Dispose()
    {
        try
        {
            Signal("CONT");
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private static string Dll
    {
        get
        {
            // .../Runtime.Tests/bin/<Configuration>/<tfm>/ → .../samples/ClusterLease/bin/<Configuration>/<tfm>/ClusterLease.dll
            var bin = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
            DirectoryInfo configuration = bin.Parent!;
            DirectoryInfo repository = configuration.Parent!.Parent!.Parent!;
            return Path.Combine(repository.FullName, "samples", "ClusterLease", "bin", configuration.Name, bin.Name, "ClusterLease.dll");
        }
    }
}
