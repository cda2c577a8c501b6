using System.Diagnostics;
using System.Text;

namespace Toolstack.TestSupport;

/// <summary>What a child process printed, and how it ended.</summary>
internal sealed record ChildResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Everything it printed, standard output first.</summary>
    public string All => Stdout + Stderr;
}

/// <summary>
/// Runs a program the way a user would (dotnet, the lock-graph tool, Chromium) from a test, with a
/// time limit; shared by the test projects (linked into Tools.Tests).
/// </summary>
internal static class ChildProcess
{
    // The outer `dotnet test` host's MSBuild variables would point a child build at the test run's own MSBuild.
    private static readonly string[] s_hostMsBuildVariables =
        { "MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly" };

    /// <summary>
    /// Runs <paramref name="program"/> in <paramref name="directory"/> to its end; past
    /// <paramref name="limit"/> kills its whole tree and throws <see cref="TimeoutException"/>.
    /// </summary>
    public static async Task<ChildResult> RunAsync(string program, string directory, IEnumerable<string> arguments, TimeSpan limit)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string variable in s_hostMsBuildVariables)
        {
            start.Environment.Remove(variable);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList)} did not finish in {limit}");
        }

        return new ChildResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The command line, for failure messages.</summary>
    public static string Describe(string program, IEnumerable<string> arguments) => $"{program} {string.Join(' ', arguments)}";
}
