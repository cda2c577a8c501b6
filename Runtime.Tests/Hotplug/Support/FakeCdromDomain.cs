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
    private readonly FakeQmpServer _server;

    private FakeCdromDomain(TempLockDirectory directory, string? disconnectOn, string? refuse)
    {
        Directory = directory;
        DisconnectOn = disconnectOn;
        Refuse = refuse;
        _server = FakeQmpServer.Start(RunAsync);
    }

    public TempLockDirectory Directory { get; }

    public string? DisconnectOn { get; }

    public string? Refuse { get; }

    public Domain Domain { get; private set; } = null!;

    public DomainUserdata Userdata { get; private set; } = null!;

    public QmpClient Qmp { get; private set; } = null!;

    /// <summary>The commands the client sent after <c>qmp_capabilities</c>, in order.</summary>
    public IReadOnlyList<string> Commands => _commands.ToArray();

    public static async Task<FakeCdromDomain> StartAsync(string? disconnectOn = null, string? refuse = null)
    {
        var directory = new TempLockDirectory();
        var fake = new FakeCdromDomain(directory, disconnectOn, refuse);
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

            string result = name switch
            {
                "add-fd" => $$"""{"fdset-id": {{AddedFdset}}, "fd": 20}""",
                "query-fdsets" or "query-block" => "[]",
                "query-status" => """{"status": "running", "singlestep": false, "running": true}""",
                _ => "{}",
            };
            await peer.ReplyAsync(command, result, ct);
        }
    }
}
