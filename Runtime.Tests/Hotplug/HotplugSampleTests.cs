using Toolstack.Runtime.Tests.Hotplug.Support;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Hotplug;

/// <summary>samples/Hotplug as a user runs it (<c>dotnet run --project samples/Hotplug</c>), from its built dll.</summary>
public sealed class HotplugSampleTests
{
    [QemuFact]
    public void Demo_InsertsReplacesAndEjects_PrintingEachStep_AndExitsZero()
    {
        using HotplugSample demo = HotplugSample.Start();

        demo.WaitForExit(QmpTimeouts.MustComplete * 2);

        IReadOnlyList<string> lines = demo.Lines;
        Assert.True(demo.ExitCode == 0, $"exit {demo.ExitCode}{Environment.NewLine}{string.Join(Environment.NewLine, lines)}{Environment.NewLine}{demo.Errors}");
        Assert.Contains("insert install.iso into cd0", lines);
        Assert.Contains(lines, l => l.StartsWith("  query-block  cd0: /dev/fdset/0 = ", StringComparison.Ordinal) && l.EndsWith("install.iso", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  query-block  cd0: /dev/fdset/1 = ", StringComparison.Ordinal) && l.EndsWith("drivers.iso", StringComparison.Ordinal));
        Assert.Contains("eject cd0", lines);
        Assert.Equal("  query-block  cd0: (empty)", lines.Last(l => l.StartsWith("  query-block", StringComparison.Ordinal)));
        Assert.Equal(4, lines.Count(l => l.StartsWith("  JSON config  {\"disks\":", StringComparison.Ordinal)));
        Assert.Equal("done", lines[^1]);
    }

    [Theory]
    [InlineData("cycle")]
    [InlineData("cycle", "--qmp")]
    [InlineData("cycle", "--qmp", "/nonexistent.sock", "--lock-dir", "/tmp", "--domain", "1.x")]
    [InlineData("cycle", "--bogus", "x")]
    [InlineData("nonsense")]
    public void BadCommandLine_ExitsTwo_WithUsage(params string[] arguments)
    {
        using HotplugSample sample = HotplugSample.Start(arguments);

        sample.WaitForExit(QmpTimeouts.MustComplete);

        Assert.Equal(2, sample.ExitCode);
        Assert.Contains("usage: Hotplug", sample.Errors, StringComparison.Ordinal);
    }
}
