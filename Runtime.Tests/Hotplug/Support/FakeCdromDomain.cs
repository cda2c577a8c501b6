using System.Collections.Concurrent;
using System.Text.Json;
using Toolstack.Runtime.Tests.Locking;
using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Runtime.Tests.Hotplug.Support;

/// <summary>
/// A domain with userdata whose monitor is a scripted fake QMP server that records every command
/// after negotiation and answers each like QEMU would for a working CD-ROM: <c>add-fd</c> gives
/// fd set 4, queries return empty lists, everything else <c>{}</c>. <see cref="DisconnectOn"/>
/// makes it close the connection instead of answering one command (QEMU dying mid-call);
/// <see cref="Refuse"/> makes it answer one command with a GenericError.
/// </summary>
internal sealed class FakeCdromDomain : IAsyncDisposable
{
    public const int AddedFdset = 4;

    private readonly ConcurrentQueue<string> _commands = new();
    private readonly ConcurrentQueue<(int? FdsetId, string? Opaque, string? Config)> _addFds = new();
    private readonly FakeQmpServer _server;

    private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeCdromDomain(TempLockDirectory directory, string? disconnectOn, string? refuse, string? stall)
    {
        Directory = directory;
        DisconnectOn = disconnectOn;
        Refuse = refuse;
        Stall = stall;
        _server = FakeQmpServer.Start(RunAsync);
    }

    public TempLockDirectory Directory { get; }

    public string? DisconnectOn { get; }

    public string? Refuse { get; }

    /// <summary>A command the fake never answers (QEMU may have run it: its answer is what never comes).</summary>
    public string? Stall { get; }

    /// <summary>Completes when the <see cref="Stall"/> command arrived (and was recorded).</summary>
    public Task Stalled => _stalled.Task;

    public Domain Domain { get; private set; } = null!;

    public DomainUserdata Userdata { get; private set; } = null!;

    public QmpClient Qmp { get; private set; } = null!;

    /// <summary>
    /// For each <c>add-fd</c>, as it arrived: its <c>fdset-id</c> and <c>opaque</c> arguments and the
    /// domain's JSON config file at that instant (null when there was none): what a kill right then leaves.
    /// </summary>
    public IReadOnlyList<(int? FdsetId, string? Opaque, string? Config)> AddFds => _addFds.ToArray();

    /// <summary>The commands the client sent after <c>qmp_capabilities</c>, in order.</summary>
    public IReadOnlyList<string> Commands => _commands.ToArray();

    public static async Task<FakeCdromDomain> StartAsync(string? disconnectOn = null, string? refuse = null, string? stall = null)
    {
        var directory = new TempLockDirectory();
        var fake = new FakeCdromDomain(directory, disconnectOn, refuse, stall);
        fake.Qmp = await QmpClient.ConnectAsync(fake._server.SocketPath, QmpTimeouts.MustCompleteToken());
        fake.Userdata = directory.Domain("6.fake");
        fake.Domain = new Domain("6.fake", fake.Userdata);
        CdromRig.AttachMonitor(fake.Domain, fake.Qmp);
        return fake;
    }

    /// <summary>Writes <paramref name="text"/> as the domain's JSON config, byte for byte.</summary>
    public byte[] WriteConfig(string text)
    {
        File.WriteAllText(Userdata.JsonConfigPath, text);
        return File.ReadAllBytes(Userdata.JsonConfigPath);
    }

    public Task<DomainConfig> ReadConfigAsync() => CdromState.ReadConfigAsync(Domain.JsonLock!, CdromRig.LockTimeout);

    public async ValueTask DisposeAsync()
    {
        await Qmp.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Dispose();
    }

    private async Task RunAsync(FakeQmpPeer peer, CancellationToken ct)
    {
        await peer.NegotiateAsync(ct);
        while (await peer.ReadCommandAsync(ct) is JsonElement command)
        {
            string name = command.GetProperty("execute").GetString()!;
            _commands.Enqueue(name);
            if (name == DisconnectOn)
            {
                peer.Close();
                return;
            }

            if (name == Refuse)
            {
                await peer.ErrorAsync(command, "GenericError", $"fake refuses {name}", ct);
                continue;
            }

            int fdset = AddedFdset;
            if (name == "add-fd")
            {
                // The insert holds no JsonLock while add-fd is in flight, and a config write is a rename: the file is whole.
                string? config = File.Exists(Userdata.JsonConfigPath) ? File.ReadAllText(Userdata.JsonConfigPath) : null;
                JsonElement arguments = command.TryGetProperty("arguments", out JsonElement a) ? a : default;
                int? asked = arguments.ValueKind == JsonValueKind.Object && arguments.TryGetProperty("fdset-id", out JsonElement id) ? id.GetInt32() : null;
                string? opaque = arguments.ValueKind == JsonValueKind.Object && arguments.TryGetProperty("opaque", out JsonElement o) ? o.GetString() : null;
                _addFds.Enqueue((asked, opaque, config));
                fdset = asked ?? AddedFdset; // QEMU creates the set with the id asked for
            }

            if (name == Stall)
            {
                _stalled.TrySetResult();
                continue;
            }

            string result = name switch
            {
                "add-fd" => $$"""{"fdset-id": {{fdset}}, "fd": 20}""",
                "query-fdsets" or "query-block" => "[]",
                "query-status" => """{"status": "running", "singlestep": false, "running": true}""",
                _ => "{}",
            };
            await peer.ReplyAsync(command, result, ct);
        }
    }
}
