using Xunit.Abstractions;
using Toolstack.TestSupport;

namespace Toolstack.Analyzers.Tests.Package;

/// <summary>
/// The package as a user meets it: pack the runtime, restore it into a fresh project from a
/// local folder, see the rules fire, let <c>dotnet format</c> apply the code fixes, rebuild clean.
/// </summary>
public sealed class PackageConsumerTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan CommandLimit = TimeSpan.FromMinutes(4);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("toolstack-consumer-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task PackedRuntime_InstallsRulesAndFixes_DotnetFormatRepairsTheConsumer()
    {
        string root = Repository.Root();
        string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        string feed = Path.Combine(_work.FullName, "feed");
        string version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");

        // The runtime, analyzer and fixes were built with this test project: pack those binaries.
        await RunAsync(_work.FullName, "pack", Path.Combine(root, "Runtime", "Toolstack.Runtime.csproj"),
            "--no-build", "-c", configuration, "-o", feed, $"-p:Version={version}");
        string package = Assert.Single(Directory.GetFiles(feed, "*.nupkg"));
        output.WriteLine($"packed {Path.GetFileName(package)}");

        string consumer = Path.Combine(_work.FullName, "consumer");
        Directory.CreateDirectory(consumer);
        WriteConsumer(consumer, feed, version);

        string firstBuild = await RunAsync(consumer, "build", "-nologo");
        Assert.Contains("warning TSL1005", firstBuild);
        Assert.Contains("warning TSL1006", firstBuild);
        Assert.Contains("warning TSL1002", firstBuild);

        // One rule per run: dotnet format computes every requested diagnostic before applying any
        // fix, so a fix that moves code would leave the next rule's fix with stale locations.
        foreach (string rule in new[] { "TSL1005", "TSL1006" })
        {
            await RunAsync(consumer, "format", "analyzers", "Consumer.csproj", "--diagnostics", rule,
                "--severity", "warn", "--no-restore");
        }

        string fixedSource = await File.ReadAllTextAsync(Path.Combine(consumer, "Daemon.cs"));
        output.WriteLine(fixedSource);

        string secondBuild = await RunAsync(consumer, "build", "-nologo", "--no-incremental");
        Assert.DoesNotContain("warning TSL1005", secondBuild);
        Assert.DoesNotContain("warning TSL1006", secondBuild);
        Assert.Contains("warning TSL1002", secondBuild);  // not asked to fix: still reported
        Assert.Contains("using LockHandle driver = _driver.Lock();", fixedSource);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(fixedSource, @"_vm\.Unlock\(vm\);"));
    }

    private static void WriteConsumer(string directory, string feed, string version)
    {
        // Only the local feed and the machine's package cache: no network, and no stale copy
        // of the package (the version is new on every run).
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{Path.Combine(directory, "packages")}" /></config>
              <packageSources>
                <clear />
                <add key="toolstack" value="{feed}" />
                <add key="machine-cache" value="{cache}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(directory, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Toolstack.Runtime" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Daemon.cs"), """
            using System.Threading;
            using Toolstack.Runtime;

            public sealed class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _vm = new("vm1");

                public int Leak(int n)
                {
                    LockHandle driver = _driver.Lock();
                    if (n == 0)
                    {
                        return 0;
                    }

                    _driver.Unlock(driver);
                    return n;
                }

                public void Twice()
                {
                    LockHandle vm = _vm.Lock();
                    _vm.Unlock(vm);
                    _vm.Unlock(vm);
                }

                public void Sleep()
                {
                    using LockHandle driver = _driver.Lock();
                    Thread.Sleep(1);
                }
            }
            """);
    }

    private static async Task<string> RunAsync(string directory, params string[] arguments)
    {
        ChildResult result = await ChildProcess.RunAsync("dotnet", directory, arguments, CommandLimit);
        Assert.True(result.ExitCode == 0, $"{ChildProcess.Describe("dotnet", arguments)} exited {result.ExitCode}:\n{result.All}");
        return result.All;
    }
}
