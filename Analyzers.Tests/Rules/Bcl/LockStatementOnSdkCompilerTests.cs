using System.Text.RegularExpressions;
using Toolstack.TestSupport;

namespace Toolstack.Analyzers.Tests.Rules.Bcl;

/// <summary>
/// <c>lock (gate)</c> on a <c>System.Threading.Lock</c> in a file with nullable annotations enabled, compiled by
/// the installed SDK's compiler (Roslyn 5.x): its control-flow graph loses the EnterScope/Dispose lowering there
/// (see <c>LockStatementScopes</c>), which the verifier's Roslyn 4.8 cannot show. One real build of a tiny
/// project referencing the analyzer, shared by the tests below; each line marked <c>/*TSL1004*/</c> must be
/// reported, and nothing else.
/// </summary>
public class LockStatementOnSdkCompilerTests
{
    private const string Source = """
        #nullable enable
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Toolstack.Runtime;

        public sealed class Cache
        {
            private readonly Lock _gate = new();
            private readonly Lock _other = new();

            public void Inside(QmpClient qmp)
            {
                lock (_gate)
                {
                    _ = qmp.StopAsync(CancellationToken.None); /*TSL1004*/
                }
            }

            public void After(QmpClient qmp)
            {
                lock (_gate)
                {
                    Console.WriteLine();
                }

                _ = qmp.StopAsync(CancellationToken.None);
            }

            public void ReturnInside(QmpClient qmp, bool early)
            {
                lock (_gate)
                {
                    if (early)
                    {
                        return;
                    }

                    Console.WriteLine();
                }

                _ = qmp.StopAsync(CancellationToken.None);
            }

            public void Nested(QmpClient qmp)
            {
                lock (_gate)
                {
                    lock (_other)
                    {
                        Console.WriteLine();
                    }

                    _ = qmp.StopAsync(CancellationToken.None); /*TSL1004*/
                }

                _ = qmp.StopAsync(CancellationToken.None);
            }

            public void Loop(QmpClient qmp)
            {
                for (int i = 0; i < 3; i++)
                {
                    lock (_gate)
                    {
                        Console.WriteLine(i);
                    }

                    _ = qmp.StopAsync(CancellationToken.None);
                }
            }

            public void ThrownOutOfTheLock(QmpClient qmp)
            {
                try
                {
                    lock (_gate)
                    {
                        throw new InvalidOperationException();
                    }
                }
                catch (InvalidOperationException)
                {
                    _ = qmp.StopAsync(CancellationToken.None);
                }
            }

            public Action InLambda(QmpClient qmp) => () =>
            {
                lock (_gate)
                {
                    _ = qmp.StopAsync(CancellationToken.None); /*TSL1004*/
                }
            };

            public void InLocalFunction(QmpClient qmp)
            {
                Run();

                void Run()
                {
                    lock (_gate)
                    {
                        _ = qmp.StopAsync(CancellationToken.None); /*TSL1004*/
                    }

                    _ = qmp.StopAsync(CancellationToken.None);
                }
            }

            public async Task AwaitAfterTheLock(QmpClient qmp)
            {
                lock (_gate)
                {
                    Console.WriteLine();
                }

                await qmp.StopAsync(CancellationToken.None);
            }
        }

        public sealed class GuardedCache
        {
            private readonly Lock _gate = new();
            [GuardedBy(nameof(_gate))] private int _count;

            public int Inside()
            {
                lock (_gate)
                {
                    return ++_count;
                }
            }

            public int After()
            {
                lock (_gate)
                {
                    _count++;
                }

                return _count; /*TSL1010*/
            }
        }
        """;

    private static readonly Lazy<Task<BuildResult>> s_build = new(BuildAsync);

    [Fact]
    public async Task LockOnThreadingLock_NullableEnabled_SdkCompiler_QmpCallInside_Reports()
    {
        BuildResult build = await s_build.Value;
        Assert.True(build.ExitCode == 0, build.Output);
        int[] expected = MarkedLines("/*TSL1004*/");
        Assert.Equal(4, expected.Length);
        Assert.Equal(expected, build.Lines("TSL1004"));
    }

    [Fact]
    public async Task LockOnThreadingLock_NullableEnabled_SdkCompiler_AfterLoopsCatchAwait_Silent()
    {
        BuildResult build = await s_build.Value;
        Assert.True(build.ExitCode == 0, build.Output);

        // Every TSL diagnostic is one of the marked lines: no leak, no release-on-throw, no await report,
        // no guarded access inside the lock.
        Assert.Equal(MarkedLines("/*TSL10"), build.Lines("TSL"));
    }

    [Fact]
    public async Task GuardedByThreadingLock_NullableEnabled_SdkCompiler_AccessAfterTheLock_Reports()
    {
        BuildResult build = await s_build.Value;
        Assert.True(build.ExitCode == 0, build.Output);
        int[] expected = MarkedLines("/*TSL1010*/");
        Assert.Single(expected);
        Assert.Equal(expected, build.Lines("TSL1010"));
    }

    private static int[] MarkedLines(string marker) =>
        Source.Split('\n').Select((line, index) => (line, index)).Where(x => x.line.Contains(marker, StringComparison.Ordinal))
            .Select(x => x.index + 1).ToArray();

    private static async Task<BuildResult> BuildAsync()
    {
        string directory = Path.Combine(Path.GetTempPath(), "toolstack-lockstmt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            string bin = AppContext.BaseDirectory;
            await File.WriteAllTextAsync(Path.Combine(directory, "Probe.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
                  </PropertyGroup>
                  <ItemGroup>
                    <Reference Include="{Path.Combine(bin, "Toolstack.Runtime.dll")}" />
                    <Analyzer Include="{Path.Combine(bin, "Toolstack.Analyzers.dll")}" />
                  </ItemGroup>
                </Project>
                """);
            await File.WriteAllTextAsync(Path.Combine(directory, "Cache.cs"), Source);

            ChildResult build = await ChildProcess.RunAsync(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", directory,
                new[] { "build", "-nologo", "-nodeReuse:false", "-p:UseSharedCompilation=false", "-clp:NoSummary" }, TimeSpan.FromMinutes(4));
            return new BuildResult(build.ExitCode, build.All);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed record BuildResult(int ExitCode, string Output)
    {
        /// <summary>The distinct lines of Cache.cs with a diagnostic whose ID starts with <paramref name="idPrefix"/>.</summary>
        public int[] Lines(string idPrefix) =>
            Regex.Matches(Output, @"Cache\.cs\((\d+),\d+\): warning (TSL\d+)")
                .Where(match => match.Groups[2].Value.StartsWith(idPrefix, StringComparison.Ordinal))
                .Select(match => int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
                .Distinct().Order().ToArray();
    }
}
