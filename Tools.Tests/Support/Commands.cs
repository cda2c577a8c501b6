using Toolstack.TestSupport;

namespace Toolstack.Tools.Tests.Support;

/// <summary>Runs programs the way a user would (dotnet, the tool, Chromium), with a time limit.</summary>
internal static class Commands
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    public static string RepositoryRoot() => Repository.Root();

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
        ChildResult result = await ChildProcess.RunAsync(program, directory, arguments, Limit);
        Assert.True(result.ExitCode == 0,
            $"{ChildProcess.Describe(program, arguments)} exited {result.ExitCode}:\n{result.Stdout}\n{result.Stderr}");
        return result.Stdout;
    }
}
