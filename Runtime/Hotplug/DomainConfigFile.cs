using System;
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
    [RequiresLock(typeof(JsonLock))]
    public static DomainConfig Read(LockHandle json)
    {
        string path = ConfigPath(json);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return DomainConfig.Empty;
        }

        return DomainConfigValidation.Parse(bytes, path);
    }

    /// <summary>
    /// Replaces the config guarded by the <see cref="JsonLock"/> that issued <paramref name="json"/>:
    /// writes a temporary file beside it, flushes it to disk, renames it over the config, and
    /// flushes the directory, so that a crash at any point leaves a whole config.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="json"/> is not a held <see cref="JsonLock"/> handle.</exception>
    [RequiresLock(typeof(JsonLock))]
    public static void Write(LockHandle json, DomainConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        string path = ConfigPath(json);
        string directory = Path.GetDirectoryName(path)!;
        string temporary = path + DomainUserdata.TemporarySuffix + Environment.ProcessId;
        try
        {
            using (var stream = new FileStream(CreateOwnerOnly(temporary, directory), FileAccess.Write))
            {
                JsonSerializer.Serialize(stream, config, s_json);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        FlushDirectory(directory);
    }

    /// <summary>The config holds paths of a domain's media: readable by its owner only, like the lock files.</summary>
    private static SafeFileHandle CreateOwnerOnly(string path, string directory)
    {
        int fd;
        do
        {
            fd = Syscall.open(path, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC | OpenFlags.O_CLOEXEC,
                FilePermissions.S_IRUSR | FilePermissions.S_IWUSR);
        }
        while (fd < 0 && Stdlib.GetLastError() == Errno.EINTR);

        if (fd < 0)
        {
            throw PosixError.Last(directory, $"Cannot create '{path}'");
        }

        return new SafeFileHandle(fd, ownsHandle: true);
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

    /// <summary>fsync on the directory makes the rename itself durable.</summary>
    private static void FlushDirectory(string directory)
    {
        int fd = Syscall.open(directory, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
        if (fd < 0)
        {
            throw PosixError.Last(directory, $"Cannot open directory '{directory}' to flush it");
        }

        try
        {
            if (Syscall.fsync(fd) != 0)
            {
                throw PosixError.Last(directory, $"Cannot flush directory '{directory}'");
            }
        }
        finally
        {
            Syscall.close(fd);
        }
    }
}
