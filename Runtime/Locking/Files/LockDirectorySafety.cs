using System;
using System.Runtime.InteropServices;
using Mono.Unix.Native;

namespace Toolstack.Runtime;

/// <summary>
/// OpenSSH's StrictModes for the lock directory: it, and every directory above it, must be owned
/// by the effective user or root and not writable by group or others unless sticky; a symlink on
/// the way must be owned by the effective user or root. Checked once, before any file is touched;
/// the directory is then used by its resolved path.
/// </summary>
/// <remarks>
/// Resolving once is safe because of the check itself: only root or the effective user can
/// rename, replace or re-point anything on the resolved path afterwards (a sticky directory lets
/// others remove only their own entries, and every entry on the path is root's or ours).
/// </remarks>
internal static partial class LockDirectorySafety
{
    private const FilePermissions WritableByOthers = FilePermissions.S_IWGRP | FilePermissions.S_IWOTH;

    /// <summary>Checks <paramref name="fullPath"/> (absolute) and returns it resolved.</summary>
    /// <exception cref="LockDirectoryException">Missing, not a directory, or unsafe (says why).</exception>
    internal static string Resolve(string fullPath)
    {
        // 1. The path as given: every directory passed through and every symlink followed must be
        //    under trusted control, or someone else could have pointed it anywhere.
        CheckChain(fullPath, fullPath, symlinksAllowed: true);

        // 2. Where it leads: the same rules for every directory of the resolved path.
        string resolved = RealPath(fullPath);
        CheckChain(resolved, fullPath, symlinksAllowed: false);
        return resolved;
    }

    private static void CheckChain(string path, string reported, bool symlinksAllowed)
    {
        int end = 0;
        while (true)
        {
            string prefix = end == 0 ? "/" : path[..end];
            Check(prefix, reported, isLast: end == path.Length, symlinksAllowed);
            if (end == path.Length)
            {
                return;
            }

            int next = path.IndexOf('/', end + 1);
            end = next < 0 ? path.Length : next;
            if (end == path.Length && path.EndsWith('/'))
            {
                return;
            }
        }
    }

    private static void Check(string prefix, string reported, bool isLast, bool symlinksAllowed)
    {
        if (Syscall.lstat(prefix, out Stat stat) != 0)
        {
            Errno errno = Stdlib.GetLastError();
            throw PosixError.Exception(reported, $"Lock directory '{reported}' is not usable ('{prefix}')", errno);
        }

        FilePermissions type = stat.st_mode & FilePermissions.S_IFMT;
        bool trustedOwner = stat.st_uid == 0 || stat.st_uid == OwnFile.Euid;
        if (type == FilePermissions.S_IFLNK && symlinksAllowed)
        {
            if (!trustedOwner)
            {
                throw Unsafe(reported, $"the symlink '{prefix}' is owned by uid {stat.st_uid}, neither root nor uid {OwnFile.Euid}");
            }

            return;
        }

        if (type != FilePermissions.S_IFDIR)
        {
            if (isLast)
            {
                throw new LockDirectoryException(reported, $"Lock directory '{reported}' is not a directory", "ENOTDIR");
            }

            throw PosixError.Exception(reported, $"Lock directory '{reported}' is not usable ('{prefix}')", Errno.ENOTDIR);
        }

        if (!trustedOwner)
        {
            throw Unsafe(reported, $"'{prefix}' is owned by uid {stat.st_uid}, neither root nor uid {OwnFile.Euid}");
        }

        if ((stat.st_mode & WritableByOthers) != 0 && (stat.st_mode & FilePermissions.S_ISVTX) == 0)
        {
            throw Unsafe(reported, $"'{prefix}' is writable by group or others and not sticky");
        }
    }

    private static LockDirectoryException Unsafe(string directory, string why) =>
        new(directory, $"Lock directory '{directory}' is unsafe: {why}; others could plant or replace lock files");

    private static string RealPath(string path)
    {
        nint resolved = realpath(path, 0);
        if (resolved == 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw PosixError.Exception(path, $"Cannot resolve lock directory '{path}'", errno);
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved) ?? path;
        }
        finally
        {
            free(resolved);
        }
    }

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint realpath(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void free(nint pointer);
}
