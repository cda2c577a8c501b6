using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Toolstack.Runtime.Tests.Qmp.Support;

/// <summary>The fake server's side of one connection: what a script says and reads.</summary>
internal sealed class FakeQmpPeer : IDisposable
{
    public const string Greeting =
        """{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "fake"}, "capabilities": ["oob"]}}""";

    public const string GreetingWithoutOob =
        """{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "fake"}, "capabilities": []}}""";

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly StreamReader _lines;

    public FakeQmpPeer(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _lines = new StreamReader(_stream, new UTF8Encoding(false));
    }

    /// <summary>Raw bytes, exactly as given.</summary>
    public async Task SendRawAsync(string text, CancellationToken ct)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        await _stream.WriteAsync(bytes, ct);
        await _stream.FlushAsync(ct);
    }

    /// <summary>Raw bytes, without allocating (for floods).</summary>
    public async Task SendBytesAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        await _stream.WriteAsync(bytes, ct);
        await _stream.FlushAsync(ct);
    }

    /// <summary>
    /// Sends <paramref name="text"/> one byte at a time, <paramref name="interval"/> apart, and
    /// then keeps dribbling <paramref name="filler"/> forever: a slowloris that never ends its
    /// line. Returns how many bytes it sent when the client closed or <paramref name="ct"/> fired.
    /// </summary>
    public async Task<long> DribbleAsync(string text, byte filler, TimeSpan interval, CancellationToken ct)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        long sent = 0;
        var one = new byte[1];
        try
        {
            while (true)
            {
                one[0] = sent < bytes.Length ? bytes[sent] : filler;
                await _stream.WriteAsync(one, ct);
                sent++;
                await Task.Delay(interval, ct);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            return sent;
        }
    }

    /// <summary>
    /// Reads one raw byte of what the client sends (bypassing the line reader, which must not have
    /// buffered anything yet) and then stops reading: the client's writes fill the socket buffer.
    /// </summary>
    public async Task ReadOneByteThenStallAsync(TaskCompletionSource firstByte, CancellationToken ct)
    {
        var one = new byte[1];
        int read = await _stream.ReadAsync(one, ct);
        firstByte.TrySetResult();
        if (read == 0)
        {
            return;
        }

        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
            // The server is being disposed.
        }
    }

    /// <summary>One message line, terminated as QEMU does (CRLF).</summary>
    public Task SendLineAsync(string json, CancellationToken ct) => SendRawAsync(json + "\r\n", ct);

    public Task SendGreetingAsync(CancellationToken ct) => SendLineAsync(Greeting, ct);

    /// <summary>The next command line the client sent, or null at end of stream.</summary>
    public async Task<JsonElement?> ReadCommandAsync(CancellationToken ct)
    {
        string? line = await _lines.ReadLineAsync(ct);
        if (line is null)
        {
            return null;
        }

        using JsonDocument document = JsonDocument.Parse(line);
        return document.RootElement.Clone();
    }

    /// <summary>The next command, which must be <paramref name="expected"/> when given.</summary>
    public async Task<JsonElement> ExpectCommandAsync(CancellationToken ct, string? expected = null)
    {
        JsonElement command = await ReadCommandAsync(ct) ?? throw new InvalidOperationException("The client closed instead of sending a command.");
        if (expected is not null && command.GetProperty("execute").GetString() != expected)
        {
            throw new InvalidOperationException($"Expected '{expected}', got {command.GetRawText()}");
        }

        return command;
    }

    /// <summary>Greeting, then answers qmp_capabilities.</summary>
    public async Task NegotiateAsync(CancellationToken ct)
    {
        await SendGreetingAsync(ct);
        JsonElement capabilities = await ExpectCommandAsync(ct, "qmp_capabilities");
        await ReplyAsync(capabilities, "{}", ct);
    }

    public static string Id(JsonElement command) => command.GetProperty("id").GetRawText();

    public Task ReplyAsync(JsonElement command, string resultJson, CancellationToken ct) =>
        SendLineAsync($$"""{"return": {{resultJson}}, "id": {{Id(command)}}}""", ct);

    public Task ErrorAsync(JsonElement command, string errorClass, string description, CancellationToken ct) =>
        SendLineAsync($$$"""{"id": {{{Id(command)}}}, "error": {"class": "{{{errorClass}}}", "desc": "{{{description}}}"}}""", ct);

    public Task EventAsync(string name, string? dataJson, long seconds, long microseconds, CancellationToken ct) =>
        SendLineAsync(dataJson is null
            ? $$"""{"timestamp": {"seconds": {{seconds}}, "microseconds": {{microseconds}}}, "event": "{{name}}"}"""
            : $$"""{"timestamp": {"seconds": {{seconds}}, "microseconds": {{microseconds}}}, "event": "{{name}}", "data": {{dataJson}}}""", ct);

    /// <summary>Reads (and discards) until the client closes its end; true if it did before <paramref name="ct"/>.</summary>
    public async Task<bool> WaitForClientCloseAsync(CancellationToken ct)
    {
        var buffer = new byte[4096];
        try
        {
            while (await _stream.ReadAsync(buffer, ct) > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Closes the connection now (the client sees end of stream).</summary>
    public void Close()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        _stream.Dispose();
    }

    public void Dispose()
    {
        _lines.Dispose();
        _stream.Dispose();
    }
}
