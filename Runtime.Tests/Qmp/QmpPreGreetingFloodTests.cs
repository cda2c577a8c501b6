using System.Diagnostics;
using System.Text;
using Toolstack.Runtime.Tests.Qmp.Support;
using Xunit.Abstractions;

namespace Toolstack.Runtime.Tests.Qmp;

/// <summary>
/// A peer that floods events instead of greeting (the issue measured 766 MiB of heap for 3 M
/// events before the connect timeout). Measures allocation, so it runs alone
/// (<see cref="QmpTimingCollection"/>).
/// </summary>
[Collection(QmpTimingCollection.Name)]
public sealed class QmpPreGreetingFloodTests
{
    private readonly ITestOutputHelper _output;

    public QmpPreGreetingFloodTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task EventFloodBeforeGreeting_FailsWithGreetingError_LongBeforeTheConnectTimeout_WithBoundedMemory()
    {
        // One 64 KiB block of event lines, written again and again: the peer allocates nothing
        // per event, so what is allocated is the client's doing.
        var block = new StringBuilder();
        for (int i = 0; block.Length < 64 * 1024; i++)
        {
            block.Append("{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": ").Append(i % 1_000_000)
                 .Append("}, \"event\": \"RESUME\"}\r\n");
        }

        byte[] flood = Encoding.ASCII.GetBytes(block.ToString());
        long sent = 0;
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            try
            {
                while (true)
                {
                    await peer.SendBytesAsync(flood, ct);
                    sent += flood.Length;
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // The client gave up and closed.
            }
        });
        var options = new QmpClientOptions { ConnectTimeout = TimeSpan.FromSeconds(8) };

        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        QmpGreetingException error = await Assert.ThrowsAsync<QmpGreetingException>(
            () => QmpClient.ConnectAsync(server.SocketPath, options).WaitAsync(TimeSpan.FromSeconds(4)));
        TimeSpan elapsed = clock.Elapsed;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        await server.WaitAsync();

        _output.WriteLine($"failed after {elapsed.TotalMilliseconds:0} ms, {allocated / 1024} KiB allocated, " +
                          $"the peer got {sent / 1024} KiB out: {error.Message}");
        Assert.Contains("events before the greeting", error.Message);
        Assert.True(allocated < 32L * 1024 * 1024, $"{allocated} bytes allocated while refusing the flood");
    }
}
