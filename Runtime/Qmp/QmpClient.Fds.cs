using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;

namespace Toolstack.Runtime;

/// <summary>Typed wrappers: passing file descriptors to QEMU (SCM_RIGHTS).</summary>
public sealed partial class QmpClient
{
    /// <summary>
    /// <c>getfd</c>: passes <paramref name="fd"/> to QEMU under <paramref name="name"/> (for
    /// commands that take a descriptor by name). A close-on-exec duplicate is sent; the caller's
    /// handle stays the caller's. Locking contract: call with no short lock held
    /// (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="name">The name QEMU files it under; must not start with a digit.</param>
    /// <param name="fd">The descriptor to pass.</param>
    /// <param name="ct">Abandons the wait for the reply.</param>
    [RequiresUnlocked]
    public Task GetFdAsync(string name, SafeHandle fd, CancellationToken ct = default)
    {
        ValidateFdName(name);
        ArgumentNullException.ThrowIfNull(fd);
        return ExecuteWithFdAsync("getfd", new JsonObject { ["fdname"] = name }, fd, ct);
    }

    /// <summary>
    /// <c>getfd</c> with a descriptor number. See <see cref="GetFdAsync(string, SafeHandle, CancellationToken)"/>.
    /// Locking contract: call with no short lock held (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="name">The name QEMU files it under; must not start with a digit.</param>
    /// <param name="fd">The descriptor number to pass; it stays the caller's.</param>
    /// <param name="ct">Abandons the wait for the reply.</param>
    [RequiresUnlocked]
    public Task GetFdAsync(string name, int fd, CancellationToken ct = default)
    {
        ValidateFdName(name);
        return ExecuteWithFdAsync("getfd", new JsonObject { ["fdname"] = name }, fd, ct);
    }

    /// <summary>
    /// <c>closefd</c>: closes the descriptor QEMU holds under <paramref name="name"/>. Locking
    /// contract: call with no short lock held (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="name">The name given to <c>getfd</c>.</param>
    /// <param name="ct">Abandons the wait for the reply.</param>
    [RequiresUnlocked]
    public Task CloseFdAsync(string name, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return ExecuteAsync("closefd", new JsonObject { ["fdname"] = name }, ct);
    }

    /// <summary>
    /// <c>add-fd</c>: adds <paramref name="fd"/> to an fd set, which QEMU can then open as
    /// <c>/dev/fdset/ID</c> (<see cref="QmpAddFdResult.Path"/>). A close-on-exec duplicate is sent;
    /// the caller's descriptor stays the caller's. Locking contract: call with no short lock
    /// held (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="fd">The descriptor to pass.</param>
    /// <param name="fdsetId">The set to add it to; null makes a new set.</param>
    /// <param name="opaque">Free-form text stored with it (shown by <c>query-fdsets</c>).</param>
    /// <param name="ct">Abandons the wait for the reply.</param>
    /// <returns>The set's id and the descriptor's number in QEMU.</returns>
    [RequiresUnlocked]
    [AddsToPrimaryConfig(typeof(QmpLock))]
    public async Task<QmpAddFdResult> AddFdAsync(int fd, int? fdsetId = null, string? opaque = null, CancellationToken ct = default) =>
        QmpAddFdResult.Parse(await ExecuteWithFdAsync("add-fd", AddFdArguments(fdsetId, opaque), fd, ct).ConfigureAwait(false));

    /// <summary>
    /// <c>add-fd</c> with a handle. See <see cref="AddFdAsync(int, int?, string?, CancellationToken)"/>.
    /// Locking contract: call with no short lock held (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="fd">The descriptor to pass; it stays the caller's.</param>
    /// <param name="fdsetId">The set to add it to; null makes a new set.</param>
    /// <param name="opaque">Free-form text stored with it.</param>
    /// <param name="ct">Abandons the wait for the reply.</param>
    /// <returns>The set's id and the descriptor's number in QEMU.</returns>
    [RequiresUnlocked]
    [AddsToPrimaryConfig(typeof(QmpLock))]
    public async Task<QmpAddFdResult> AddFdAsync(SafeHandle fd, int? fdsetId = null, string? opaque = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(fd);
        return QmpAddFdResult.Parse(await ExecuteWithFdAsync("add-fd", AddFdArguments(fdsetId, opaque), fd, ct).ConfigureAwait(false));
    }

    /// <summary>
    /// <c>remove-fd</c>: removes one descriptor, or the whole set, from an fd set. QEMU closes a
    /// descriptor only once nothing uses it (and, in 7.2, not in the prelaunch state). Locking
    /// contract: call with no short lock held (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="fdsetId">The set.</param>
    /// <param name="fd">The descriptor's number in QEMU (from <see cref="QmpAddFdResult.Fd"/>); null for every descriptor of the set.</param>
    /// <param name="ct">Abandons the wait for the reply.</param>
    [RequiresUnlocked]
    [RemovesFromPrimaryConfig(typeof(QmpLock))]
    public Task RemoveFdAsync(int fdsetId, int? fd = null, CancellationToken ct = default)
    {
        var arguments = new JsonObject { ["fdset-id"] = fdsetId };
        if (fd is int number)
        {
            arguments["fd"] = number;
        }

        return ExecuteAsync("remove-fd", arguments, ct);
    }

    /// <summary>
    /// <c>query-fdsets</c>: the fd sets and their descriptors. Locking contract: call with no
    /// short lock held (<see cref="RequiresUnlockedAttribute"/>).
    /// </summary>
    /// <param name="ct">Abandons the wait for the reply.</param>
    [RequiresUnlocked]
    public async Task<IReadOnlyList<QmpFdset>> QueryFdsetsAsync(CancellationToken ct = default)
    {
        JsonElement result = await ExecuteAsync("query-fdsets", null, ct).ConfigureAwait(false);
        var sets = new List<QmpFdset>();
        foreach (JsonElement entry in QmpJson.RequiredArray(result, "query-fdsets' result").EnumerateArray())
        {
            sets.Add(QmpFdset.Parse(entry));
        }

        return sets.AsReadOnly();
    }

    private static JsonObject? AddFdArguments(int? fdsetId, string? opaque)
    {
        var arguments = new JsonObject();
        if (fdsetId is int id)
        {
            arguments["fdset-id"] = id;
        }

        if (opaque is not null)
        {
            arguments["opaque"] = opaque;
        }

        return arguments.Count == 0 ? null : arguments;
    }

    private static void ValidateFdName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (char.IsAsciiDigit(name[0]))
        {
            throw new ArgumentException($"QEMU refuses descriptor names that start with a digit: '{name}'.", nameof(name));
        }
    }
}
