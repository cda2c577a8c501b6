using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using Mono.Unix.Native;

namespace Toolstack.Runtime;

/// <summary>
/// Reads and writes a domain's JSON config (<see cref="DomainUserdata.JsonConfigPath"/>) under
/// its <see cref="JsonLock"/>. Writes are atomic: a crash leaves the old file or the new one,
/// never a torn one.
/// </summary>
public static class DomainConfigFile
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    /// <summary>Reads the config guarded by the <see cref="JsonLock"/> that issued <paramref name="json"/>.</summary>
    /// <param name="json">A held handle of the domain's <see cref="JsonLock"/>.</param>
    /// <returns>The config; <see cref="DomainConfig.Empty"/> when none was written yet.</returns>
    /// <exception cref="ArgumentException"><paramref name="json"/> is not a held <see cref="JsonLock"/> handle.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid config.</exception>
    /// <exception cref="DomainGoneException">The domain was destroyed (and maybe re-created) since the lock was taken: its config is not this handle's to read.</exception>
    /// <exception cref="LockDirectoryException">The config cannot be opened, or is a symlink or someone else's file.</exception>
    [RequiresLock(typeof(JsonLock))]
    public static DomainConfig Read(LockHandle json)
    {
        string path = ConfigPath(json);
        byte[] bytes;
        try
        {
            bytes = ReadOwnFile(json, path);
        }
        catch (FileNotFoundException)
        {
            return DomainConfig.Empty;
        }

        return DomainConfigValidation.Parse(bytes, path);
    }

    /// <summary>
    /// Replaces the config guarded by the <see cref="JsonLock"/> that issued <paramref name="json"/>:
    /// writes a new temporary file (unguessable name, <c>O_EXCL|O_NOFOLLOW</c>, mode 0600) beside
    /// it, flushes it to disk, renames it over the config, and flushes the directory, so that a
    /// crash at any point leaves a whole config.
    /// </summary>
    /// <remarks>
    /// The rename happens under the lock directory's guard, after checking that the handle's lock
    /// file is still the one at the lock path and the domain still exists: a holder from before a
    /// destroy cannot resurrect the config, nor overwrite a re-created domain's. Once the rename is
    /// done the new config is the config for every reader, so a failure to flush the directory
    /// afterwards is not reported as a failed write (see docs/runtime-locking.md). Under the same
    /// guard and check, the temporary files that killed writes of this domain left are removed
    /// (best effort; only plain files of ours; never another domain's).
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="json"/> is not a held <see cref="JsonLock"/> handle.</exception>
    /// <exception cref="DomainGoneException">The domain was destroyed since the lock was taken; nothing was written.</exception>
    /// <exception cref="LockDirectoryException">The temporary file cannot be created or renamed; the config is unchanged.</exception>
    [RequiresLock(typeof(JsonLock))]
    [DescribesInJsonConfig(typeof(QmpLock))]
    public static void Write(LockHandle json, DomainConfig config) => WriteCore(json, config, fencingToken: null);

    /// <summary>
    /// <see cref="Write(LockHandle, DomainConfig)"/>, fenced: refused when a write with a higher
    /// <paramref name="fencingToken"/> (the cluster lease's, <c>LeaseGrant.FencingToken</c>) was made
    /// before. The highest token written is kept beside the config
    /// (<c>userdata-d.&lt;id&gt;.toolstack-fencing-token</c>), checked and raised under the same guard
    /// and lock as the rename, so the check holds for every host that shares the lock directory.
    /// </summary>
    /// <remarks>
    /// The token file is raised before the config is renamed: a crash between the two leaves a
    /// raised token and the old config, which refuses only writers that were stale already.
    /// Unfenced writes neither check nor change it.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fencingToken"/> is not positive.</exception>
    /// <exception cref="FencedWriteException">A write with a higher token was made; nothing was written.</exception>
    /// <exception cref="ArgumentException"><paramref name="json"/> is not a held <see cref="JsonLock"/> handle.</exception>
    /// <exception cref="DomainGoneException">The domain was destroyed since the lock was taken; nothing was written.</exception>
    /// <exception cref="LockDirectoryException">A file cannot be created, read or renamed; the config is unchanged.</exception>
    [RequiresLock(typeof(JsonLock))]
    [DescribesInJsonConfig(typeof(QmpLock))]
    public static void Write(LockHandle json, DomainConfig config, long fencingToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fencingToken);
        WriteCore(json, config, fencingToken);
    }

    private static void WriteCore(LockHandle json, DomainConfig config, long? fencingToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        string path = ConfigPath(json);
        var jsonLock = (JsonLock)json.Source;
        DomainUserdata domain = jsonLock.Domain;
        string directory = domain.LockDirectory;
        string temporary = domain.TemporaryName();
        // Listed before our own temporary file exists, outside the guard (the listing is the slow part).
        IReadOnlyList<string> leftovers = domain.FindLeftoversOfConfigWrites();
        try
        {
            using (var stream = new FileStream(CreateOwnerOnly(temporary, directory), FileAccess.Write))
            {
                JsonSerializer.Serialize(stream, config, s_json);
                stream.Flush(flushToDisk: true);
            }

            using (DirectoryGuard.Take(domain))
            {
                if (!jsonLock.IsStillHeld(json))
                {
                    throw new DomainGoneException(domain.DomainId);
                }

                if (fencingToken is long token)
                {
                    FencingTokenFile.CheckAndRaise(domain, token);
                }

                if (Syscall.rename(temporary, path) != 0)
                {
                    Errno errno = Stdlib.GetLastError();
                    throw PosixError.Exception(directory, $"Cannot rename '{temporary}' to '{path}'", errno);
                }

                // Still under the guard, as the domain's current holder since before the listing
                // (checked above; no destroy can intervene): what killed writes left is nobody's.
                domain.RemoveLeftoversOfConfigWrites(leftovers);
            }
        }
        catch
        {
            Syscall.unlink(temporary); // ours alone (new, unguessable name); gone already after a rename
            throw;
        }

        FlushDirectory(directory);
    }

    /// <summary>
    /// A new file, never an existing one or a symlink's target: O_EXCL|O_NOFOLLOW, mode 0600
    /// (the config holds paths of a domain's media, readable by its owner only, like the lock files).
    /// </summary>
    private static SafeFileHandle CreateOwnerOnly(string path, string directory) =>
        new(OwnFile.Open(path, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL, directory, "create"), ownsHandle: true);

    /// <summary>
    /// The config's bytes, opened without following a symlink and only if it is a plain file of
    /// ours; throws <see cref="FileNotFoundException"/> when there is none. After the open, checks
    /// that the handle's lock is still this domain's: then what was opened is its config.
    /// </summary>
    private static byte[] ReadOwnFile(LockHandle json, string path)
    {
        var jsonLock = (JsonLock)json.Source;
        string directory = jsonLock.Domain.LockDirectory;
        int fd = OwnFile.TryOpen(path, OpenFlags.O_RDONLY, out Errno errno);
        if (fd >= 0)
        {
            OwnFile.Verify(fd, path, directory);
        }

        using SafeFileHandle? handle = fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : null;
        if (!jsonLock.IsStillHeld(json))
        {
            throw new DomainGoneException(jsonLock.Domain.DomainId);
        }

        if (handle is null)
        {
            if (errno == Errno.ENOENT)
            {
                throw new FileNotFoundException($"No domain config '{path}' yet.", path);
            }

            throw PosixError.Exception(directory, $"Cannot open '{path}'", errno);
        }

        using var stream = new FileStream(handle, FileAccess.Read);
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        return bytes.ToArray();
    }

    private static string ConfigPath(LockHandle json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Source is not JsonLock jsonLock || !json.IsHeld)
        {
            throw new ArgumentException($"The config can be read or written only with a held JsonLock handle, not a {json}.", nameof(json));
        }

        return jsonLock.Domain.JsonConfigPath;
    }

    /// <summary>
    /// fsync on the directory makes the rename itself durable. Best effort: by now the new config
    /// is in place for every reader, so reporting "write failed" would be false and would make a
    /// caller undo a change that happened. A crash after a failed flush may bring back the old
    /// whole config (never a torn one).
    /// </summary>
    private static void FlushDirectory(string directory)
    {
        int fd = Syscall.open(directory, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OwnFile.Safe);
        if (fd >= 0)
        {
            Syscall.fsync(fd);
            Syscall.close(fd);
        }
    }
}
