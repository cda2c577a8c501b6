using System;
using System.Globalization;
using System.IO;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Mono.Unix.Native;

namespace Toolstack.Runtime;

/// <summary>
/// The highest fencing token a config write carried, in <c>userdata-d.&lt;id&gt;.toolstack-fencing-token</c>
/// (a userdata file of the domain: <see cref="DomainUserdata.Destroy"/> removes it with the rest).
/// Read and raised only under the directory guard with the domain's JsonLock held.
/// </summary>
internal static class FencingTokenFile
{
    private const string UserdataId = "toolstack-fencing-token";

    internal static string PathOf(DomainUserdata domain) =>
        Path.Combine(domain.LockDirectory, $"userdata-d.{domain.DomainId}.{UserdataId}");

    /// <summary>Refuses <paramref name="token"/> below the recorded one; records it when higher (atomically, flushed).</summary>
    /// <exception cref="FencedWriteException">A higher token is recorded.</exception>
    internal static void CheckAndRaise(DomainUserdata domain, long token)
    {
        string path = PathOf(domain);
        long highest = Read(domain, path);
        if (token < highest)
        {
            throw new FencedWriteException(domain.DomainId, token, highest);
        }

        if (token == highest)
        {
            return;
        }

        // A temporary name the config's leftover sweep knows: a crash here leaves nothing for good.
        string temporary = domain.TemporaryName();
        try
        {
            int fd = OwnFile.Open(temporary, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL, domain.LockDirectory, "create");
            using (var stream = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write))
            {
                stream.Write(Encoding.ASCII.GetBytes(token.ToString(CultureInfo.InvariantCulture) + "\n"));
                stream.Flush(flushToDisk: true);
            }

            if (Syscall.rename(temporary, path) != 0)
            {
                Errno errno = Stdlib.GetLastError();
                throw PosixError.Exception(domain.LockDirectory, $"Cannot rename '{temporary}' to '{path}'", errno);
            }
        }
        catch
        {
            Syscall.unlink(temporary);
            throw;
        }
    }

    private static long Read(DomainUserdata domain, string path)
    {
        int fd = OwnFile.TryOpen(path, OpenFlags.O_RDONLY, out Errno errno);
        if (fd < 0)
        {
            return errno == Errno.ENOENT
                ? 0
                : throw PosixError.Exception(domain.LockDirectory, $"Cannot open '{path}'", errno);
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        OwnFile.Verify(fd, path, domain.LockDirectory);
        using var reader = new StreamReader(new FileStream(handle, FileAccess.Read), Encoding.ASCII);
        string text = reader.ReadToEnd().Trim();
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new LockDirectoryException(domain.LockDirectory, $"The fencing token file '{path}' holds '{text}', not a token.");
    }
}
