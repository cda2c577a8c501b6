using System.Diagnostics;
using System.Text;

namespace Toolstack.Tools.Tests.Support;

/// <summary>Runs programs the way a user would (dotnet, the tool, Chromium), with a time limit.</summary>
internal static class Commands
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    public static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Toolstack.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Toolstack.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The configuration this test project was built in: the tool was built in it too.</summary>
    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    /// <summary>The tool as the build left it, run through <c>dotnet</c>.</summary>
    public static string ToolAssembly => Path.Combine(RepositoryRoot(), "tools", "LockGraph", "bin", Configuration, "net10.0",
        "Toolstack.LockGraph.dll");

    /// <summary>The tool over a sample of the repository (restored first: MSBuildWorkspace needs its assets).</summary>
    public static async Task<string> DrawSampleAsync(string sample, string output, params string[] options)
    {
        string project = Path.Combine(RepositoryRoot(), "samples", sample, sample + ".csproj");
        await RunAsync("dotnet", RepositoryRoot(), "restore", project);
        return await RunAsync("dotnet", RepositoryRoot(), new[] { ToolAssembly, project, "-o", output }.Concat(options).ToArray());
    }

    /// <summary>Runs <paramref name="program"/>; a non-zero exit fails the test with everything it printed.</summary>
    public static async Task<string> RunAsync(string program, string directory, params string[] arguments)
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

        // The outer `dotnet test` must not leak its MSBuild settings into the child builds.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        using Process process = Process.Start(start)!;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        Task readOut = Task.Run(async () => stdout.Append(await process.StandardOutput.ReadToEndAsync()));
        Task readErr = Task.Run(async () => stderr.Append(await process.StandardError.ReadToEndAsync()));
        using var limit = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in {Limit}");
        }

        await Task.WhenAll(readOut, readErr);
        Assert.True(process.ExitCode == 0,
            $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{stdout}\n{stderr}");
        return stdout.ToString();
    }
}
