using System.Text.RegularExpressions;
using Toolstack.Tools.Tests.Support;
using Xunit.Abstractions;

namespace Toolstack.Tools.Tests.LockGraph;

/// <summary>
/// The page in a real browser: headless Chromium loads the tool's page for samples/Mistakes, runs
/// its script, and the DOM it dumps has the SVG's nodes and the red edge.
/// </summary>
public sealed partial class BrowserTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("toolstack-lockgraph-browser-");

    public void Dispose() => _work.Delete(recursive: true);

    [ChromiumFact]
    public async Task Chromium_MistakesPage_RendersEveryLockAndTheRedEdge()
    {
        string chromium = ChromiumAvailability.Require();
        string page = Path.Combine(_work.FullName, "mistakes.html");
        await Commands.DrawSampleAsync("Mistakes", page);

        string dom = await Commands.RunAsync(chromium, _work.FullName, "--headless", "--no-sandbox", "--disable-gpu",
            "--user-data-dir=" + Path.Combine(_work.FullName, "profile"), "--dump-dom", new Uri(page).AbsoluteUri);
        output.WriteLine(dom);

        // The script ran: it marks the body and counts what the browser parsed as SVG.
        Assert.Matches("<body[^>]*data-ready=\"true\"", dom);
        Assert.Matches("<svg[^>]*id=\"lockgraph\"[^>]*data-against=\"1\"", dom);
        foreach (string name in new[] { "QmpLock", "DriverLock", "DomainLock", "JsonLock" })
        {
            Assert.Matches($"<g class=\"node[^\"]*\" data-id=\"Toolstack.Runtime.{name}\"", dom);
        }

        Assert.Matches("<g class=\"node slow\" data-id=\"Toolstack.Runtime.QmpLock\"", dom);
        Match red = Assert.Single(RedEdge().Matches(dom));
        Assert.Equal("Toolstack.Runtime.DomainLock", red.Groups["from"].Value);
        Assert.Equal("Toolstack.Runtime.DriverLock", red.Groups["to"].Value);
        Assert.Matches("<g class=\"mark blocking forbidden\" data-lock=\"Toolstack.Runtime.DriverLock\"", dom);
    }

    [GeneratedRegex("<g class=\"edge static against\" data-from=\"(?<from>[^\"]+)\" data-to=\"(?<to>[^\"]+)\"")]
    private static partial Regex RedEdge();
}
