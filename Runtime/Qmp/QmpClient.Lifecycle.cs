using System.Collections.Generic;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Toolstack.Runtime;

/// <summary>Typed wrappers: queries and run-state commands.</summary>
public sealed partial class QmpClient
{
    /// <summary>
    /// <c>query-status</c>: QEMU's run state. Locking contract: call with no short lock held
    /// (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="ct">Abandons the wait for the reply.</param>
    [RequiresUnlocked]
    public async Task<QmpStatus> QueryStatusAsync(CancellationToken ct = default) =>
        QmpStatus.Parse(await ExecuteAsync("query-status", null, ct).ConfigureAwait(false));

    /// <summary>
    /// <c>query-version</c>: the QEMU version. Locking contract: call with no short lock held
    /// (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="ct">Abandons the wait for the reply.</param>
    [RequiresUnlocked]
    public async Task<QmpVersion> QueryVersionAsync(CancellationToken ct = default) =>
        QmpVersion.Parse(await ExecuteAsync("query-version", null, ct).ConfigureAwait(false));

    /// <summary>
    /// <c>query-commands</c>: the names of the commands this QEMU accepts. Locking contract: call
    /// with no short lock held (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="ct">Abandons the wait for the reply.</param>
    [RequiresUnlocked]
    public async Task<IReadOnlyList<string>> QueryCommandsAsync(CancellationToken ct = default)
    {
        JsonElement result = await ExecuteAsync("query-commands", null, ct).ConfigureAwait(false);
        var names = new List<string>();
        foreach (JsonElement command in QmpJson.RequiredArray(result, "query-commands' result").EnumerateArray())
        {
            names.Add(QmpJson.RequiredString(command, "name"));
        }

        return names.AsReadOnly();
    }

    /// <summary>
    /// <c>stop</c>: pauses the guest's CPUs; QEMU emits <c>STOP</c> before the reply. Locking
    /// contract: call with no short lock held (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="ct">Abandons the wait for the reply.</param>
    [RequiresUnlocked]
    public Task StopAsync(CancellationToken ct = default) => ExecuteAsync("stop", null, ct);

    /// <summary>
    /// <c>cont</c>: resumes the guest's CPUs; QEMU emits <c>RESUME</c> before the reply. Locking
    /// contract: call with no short lock held (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="ct">Abandons the wait for the reply.</param>
    [RequiresUnlocked]
    public Task ContAsync(CancellationToken ct = default) => ExecuteAsync("cont", null, ct);

    /// <summary>
    /// <c>system_reset</c>: resets the machine; QEMU emits <c>RESET</c>. Locking contract: call
    /// with no short lock held (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="ct">Abandons the wait for the reply.</param>
    [RequiresUnlocked]
    public Task SystemResetAsync(CancellationToken ct = default) => ExecuteAsync("system_reset", null, ct);

    /// <summary>
    /// <c>system_powerdown</c>: asks the guest to power down (an ACPI button press); QEMU emits
    /// <c>POWERDOWN</c>. Whether the guest obeys is up to it. Locking contract: call with no
    /// short lock held (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="ct">Abandons the wait for the reply.</param>
    [RequiresUnlocked]
    public Task SystemPowerdownAsync(CancellationToken ct = default) => ExecuteAsync("system_powerdown", null, ct);

    /// <summary>
    /// <c>quit</c>: QEMU exits (emitting <c>SHUTDOWN</c>, then closing the socket). Completes once
    /// the connection has closed; the connection closing right after the command was sent counts
    /// as success, whether or not the reply made it first. Later calls fail with
    /// <see cref="QmpDisconnectedException"/>. Locking contract: call with no short lock held
    /// (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="ct">Abandons the wait for the reply and for the close.</param>
    /// <exception cref="QmpDisconnectedException">The connection was closed before <c>quit</c> went out.</exception>
    [RequiresUnlocked]
    public async Task QuitAsync(CancellationToken ct = default)
    {
        await ExecuteCoreAsync("quit", null, null, endOfStreamIsSuccess: true, ct).ConfigureAwait(false);
        await _closed.Task.WaitAsync(ct).ConfigureAwait(false);
    }
}
