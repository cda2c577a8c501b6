using System.Diagnostics;
using System.Text;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Qmp;

/// <summary>
/// What may come before the greeting is bounded (<see cref="QmpClientOptions.MaxEventsBeforeGreeting"/>,
/// <see cref="QmpClientOptions.MaxBytesBeforeGreeting"/>): past either bound the connect fails at
/// once with <see cref="QmpGreetingException"/>, not at the connect timeout after buffering it all.
/// </summary>
public sealed class QmpPreGreetingTests
{
    /// <summary>Long, so a failure "at the timeout" cannot pass for a failure "at once".</summary>
    private static readonly TimeSpan LongConnectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Well before <see cref="LongConnectTimeout"/>, generous for a loaded machine.</summary>
    private static readonly TimeSpan AtOnce = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task EventsPastTheCountBound_BeforeGreeting_FailTheConnectAtOnce()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            for (int i = 0; i < 4; i++)
            {
                await peer.EventAsync("RESUME", null, 1_700_000_000, i, ct);
            }

            await peer.WaitForClientCloseAsync(ct); // and never greets
        });
        var options = new QmpClientOptions { ConnectTimeout = LongConnectTimeout, MaxEventsBeforeGreeting = 3 };

        var clock = Stopwatch.StartNew();
        QmpGreetingException error = await Assert.ThrowsAsync<QmpGreetingException>(
            () => QmpClient.ConnectAsync(server.SocketPath, options).WaitAsync(AtOnce));

        Assert.True(clock.Elapsed < AtOnce, $"failed after {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Contains("more than 3 events before the greeting", error.Message);
        Assert.Contains("MaxEventsBeforeGreeting", error.Message);
        await server.WaitAsync(); // the client closed its socket
    }

    [Fact]
    public async Task EventsUpToTheCountBound_BeforeGreeting_AreKept()
    {
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            for (int i = 0; i < 3; i++)
            {
                await peer.EventAsync("RESUME", null, 1_700_000_000, i, ct);
            }

            await peer.NegotiateAsync(ct);
            await peer.WaitForClientCloseAsync(ct);
        });
        var options = new QmpClientOptions { ConnectTimeout = LongConnectTimeout, MaxEventsBeforeGreeting = 3 };

        await using QmpClient client = await QmpClient.ConnectAsync(server.SocketPath, options).WaitAsync(QmpTimeouts.MustComplete);

        var seen = new List<string>();
        await foreach (QmpEvent e in client.Events.WithCancellation(QmpTimeouts.MustCompleteToken()))
        {
            seen.Add(e.Name);
            if (seen.Count == 3)
            {
                break;
            }
        }

        Assert.Equal(3, seen.Count);
    }

    [Fact]
    public async Task BytesPastTheBound_BeforeGreeting_FailTheConnectAtOnce()
    {
        string data = $$"""{"pad": "{{new string('p', 2000)}}"}""";
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            for (int i = 0; i < 3; i++) // about 6 KiB, in three events
            {
                await peer.EventAsync("BIG", data, 1_700_000_000, i, ct);
            }

            await peer.WaitForClientCloseAsync(ct);
        });
        var options = new QmpClientOptions { ConnectTimeout = LongConnectTimeout, MaxBytesBeforeGreeting = 4096 };

        var clock = Stopwatch.StartNew();
        QmpGreetingException error = await Assert.ThrowsAsync<QmpGreetingException>(
            () => QmpClient.ConnectAsync(server.SocketPath, options).WaitAsync(AtOnce));

        Assert.True(clock.Elapsed < AtOnce, $"failed after {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Contains("4096 bytes before the greeting", error.Message);
        await server.WaitAsync();
    }

    [Fact]
    public async Task BlankLineFlood_BeforeGreeting_FailsTheConnectAtOnce()
    {
        // Blank lines are skipped inside the line reader: without a byte bound they never reach
        // the greeting loop, and the client spins on them until the connect timeout.
        byte[] blanks = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("\r\n", 32 * 1024)));
        await using FakeQmpServer server = FakeQmpServer.Start(async (peer, ct) =>
        {
            try
            {
                while (true)
                {
                    await peer.SendBytesAsync(blanks, ct);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // The client gave up and closed.
            }
        });
        var options = new QmpClientOptions { ConnectTimeout = LongConnectTimeout };

        QmpGreetingException error = await Assert.ThrowsAsync<QmpGreetingException>(
            () => QmpClient.ConnectAsync(server.SocketPath, options).WaitAsync(AtOnce));

        Assert.Contains($"{QmpClientOptions.DefaultMaxBytesBeforeGreeting} bytes before the greeting", error.Message);
        await server.WaitAsync();
    }

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(0, -1)]
    public async Task NegativePreGreetingBounds_AreRefused(int events, int bytes)
    {
        var options = new QmpClientOptions { MaxEventsBeforeGreeting = events, MaxBytesBeforeGreeting = bytes };

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => QmpClient.ConnectAsync("/nonexistent/qmp.sock", options));
    }
}
