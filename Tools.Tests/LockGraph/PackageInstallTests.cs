using Toolstack.Tools.Tests.Support;
using Xunit.Abstractions;

namespace Toolstack.Tools.Tests.LockGraph;

/// <summary>
/// The tool as a user installs it: packed into a .nupkg, installed with
/// <c>dotnet tool install --tool-path X --add-source FEED</c>, then run as <c>toolstack-lockgraph</c>.
/// </summary>
public sealed class PackageInstallTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("toolstack-lockgraph-pack-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task PackedTool_InstallsFromTheFeedAndDrawsMistakes()
    {
        string root = Commands.RepositoryRoot();
        string feed = Path.Combine(_work.FullName, "artifacts");
        string tools = Path.Combine(_work.FullName, "tools");
        string version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");

        // The tool was built with this test project: pack those binaries.
        await Commands.RunAsync("dotnet", _work.FullName, "pack", Path.Combine(root, "tools", "LockGraph", "Toolstack.LockGraph.csproj"),
            "--no-build", "-c", Commands.Configuration, "-o", feed, $"-p:Version={version}");
        Assert.Single(Directory.GetFiles(feed, "Toolstack.LockGraph.*.nupkg"));

        // Only the feed: no network, and no stale copy (the version is new on every run).
        string config = Path.Combine(_work.FullName, "nuget.config");
        await File.WriteAllTextAsync(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="artifacts" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        await Commands.RunAsync("dotnet", _work.FullName, "tool", "install", "--tool-path", tools, "--add-source", feed,
            "--configfile", config, "--version", version, "Toolstack.LockGraph");

        string mistakes = Path.Combine(root, "samples", "Mistakes", "Mistakes.csproj");
        await Commands.RunAsync("dotnet", root, "restore", mistakes);
        string dot = Path.Combine(_work.FullName, "mistakes.dot");
        string summary = await Commands.RunAsync(Path.Combine(tools, "toolstack-lockgraph"), _work.FullName, mistakes,
            "--format", "dot", "-o", dot);
        output.WriteLine(summary);

        Assert.Contains("DomainLock -> DriverLock  x1  AGAINST THE HIERARCHY", summary, StringComparison.Ordinal);
        Assert.Contains("[color=red", await File.ReadAllTextAsync(dot), StringComparison.Ordinal);
    }
}
