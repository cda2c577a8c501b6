using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Enumeration;
using System.Linq;
using Mono.Unix.Native;

namespace Toolstack.Runtime;

/// <summary>
/// A domain's files in the lock directory, named as libxl names its userdata
/// (<c>userdata-&lt;kind&gt;.&lt;domain&gt;.&lt;userdata-id&gt;</c>): the JSON config lock, the slow
/// device-changes lock, the JSON config, and the record that says the domain exists.
/// </summary>
/// <remarks>
/// <para>
/// The per-domain locks (<see cref="JsonLock"/>, <see cref="QmpLock"/>) can be taken only while
/// the domain exists: after <see cref="Create"/> and before <see cref="Destroy"/>. Destroying a
/// domain removes all its files, as libxl's destroy does, so a waiter on its locks retries,
/// finds the domain gone, and fails with <see cref="DomainGoneException"/>.
/// </para>
/// <para>
/// The domain identifier is checked before any file is touched: 1 to
/// <see cref="MaxDomainIdLength"/> characters of letters, digits, <c>.</c>, <c>_</c> and
/// <c>-</c>, not starting with <c>.</c>, without <c>..</c>. libxl's <c>&lt;domid&gt;.&lt;uuid&gt;</c>
/// fits.
/// </para>
/// </remarks>
public sealed class DomainUserdata
{
    /// <summary>The longest domain identifier accepted; keeps every file name under NAME_MAX.</summary>
    public const int MaxDomainIdLength = 128;

    /// <summary>
    /// The lock directory's own guard file, shared by every domain in it and never removed: the
    /// toolstack holds it for the few syscalls that unlink or replace a domain's files. It is not
    /// a domain's file; leave it in place while any toolstack process may use the directory.
    /// </summary>
    public const string DirectoryGuardFileName = DirectoryGuard.FileName;

    private const string JsonLockId = "domain-userdata-lock";
    private const string SlowLockId = "libxl-device-changes-lock";
    private const string JsonConfigId = "libxl-json";
    private const string RecordId = "toolstack-domain";

    private static readonly EnumerationOptions s_allFiles = new()
    {
        MatchType = MatchType.Simple,
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        RecurseSubdirectories = false,
    };

    // "<config file name>.tmp-": what every temporary file of a config write starts with.
    private readonly string _leftoverPrefix;

    /// <summary>Describes the files of domain <paramref name="domainId"/> in <paramref name="lockDirectory"/>.</summary>
    /// <exception cref="ArgumentException">The identifier could name a file outside the directory, or is empty or too long.</exception>
    /// <exception cref="LockDirectoryException">
    /// The directory does not exist, is not a directory, or is unsafe: it or a directory above it
    /// is owned by someone other than root and the effective user, or writable by group or others
    /// without the sticky bit, or a symlink on the way is someone else's. Nothing is touched then.
    /// </exception>
    public DomainUserdata(string lockDirectory, string domainId)
    {
        ArgumentNullException.ThrowIfNull(lockDirectory);
        ArgumentNullException.ThrowIfNull(domainId);
        CheckDomainId(domainId);
        if (lockDirectory.Length == 0)
        {
            throw new ArgumentException("The lock directory must not be empty.", nameof(lockDirectory));
        }

        // Resolved once, after checking that only root or this user controls the whole way there.
        LockDirectory = LockDirectorySafety.Resolve(System.IO.Path.GetFullPath(lockDirectory));
        DomainId = domainId;
        // Built once: every acquisition and release names these files (issue 10: a JsonLock
        // round trip rebuilt four paths, about a fifth of its allocations).
        JsonLockPath = PathOf('l', JsonLockId);
        QmpLockPath = PathOf('l', SlowLockId);
        JsonConfigPath = PathOf('d', JsonConfigId);
        RecordPath = PathOf('d', RecordId);
        GuardPath = System.IO.Path.Combine(LockDirectory, DirectoryGuard.FileName);
        _leftoverPrefix = System.IO.Path.GetFileName(JsonConfigPath) + TemporarySuffix;
    }

    /// <summary>The directory that holds the lock files (absolute, symlinks resolved).</summary>
    public string LockDirectory { get; }

    /// <summary>The domain's identifier, for example libxl's <c>&lt;domid&gt;.&lt;uuid&gt;</c>.</summary>
    public string DomainId { get; }

    /// <summary>The file of the <see cref="JsonLock"/> (libxl's <c>domain-userdata-lock</c>).</summary>
    public string JsonLockPath { get; }

    /// <summary>The file of the <see cref="QmpLock"/> (libxl's <c>libxl-device-changes-lock</c>).</summary>
    public string QmpLockPath { get; }

    /// <summary>The domain's JSON config, which the <see cref="JsonLock"/> guards.</summary>
    public string JsonConfigPath { get; }

    /// <summary>The file whose presence means the domain exists.</summary>
    public string RecordPath { get; }

    /// <summary>The lock directory's guard file (<see cref="DirectoryGuardFileName"/>).</summary>
    internal string GuardPath { get; }

    /// <summary>Whether the domain exists: created and not destroyed.</summary>
    /// <exception cref="LockDirectoryException">The record cannot be inspected, or is not a plain file of ours (a symlink, someone else's file).</exception>
    public bool Exists
    {
        get
        {
            // lstat, not open+fstat (issue 10: 1 syscall instead of 3): it never follows a planted
            // symlink (it reports the link itself, refused as not a regular file) and shows whose
            // file it is, which is all an existence check reads. Unlike open it cannot hang on a FIFO.
            if (Syscall.lstat(RecordPath, out Stat stat) != 0)
            {
                Errno errno = Stdlib.GetLastError();
                if (errno == Errno.ENOENT)
                {
                    return false;
                }

                throw PosixError.Exception(LockDirectory, $"Cannot inspect '{RecordPath}'", errno);
            }

            if ((stat.st_mode & FilePermissions.S_IFMT) == FilePermissions.S_IFLNK)
            {
                // What the O_NOFOLLOW open reported before, so callers see the same error.
                throw PosixError.Exception(LockDirectory, $"Cannot inspect '{RecordPath}'", Errno.ELOOP);
            }

            string? problem = OwnFile.Problem(stat);
            if (problem is not null)
            {
                throw new LockDirectoryException(LockDirectory, $"Refusing '{RecordPath}': {problem}; it was not created by this toolstack");
            }

            return true;
        }
    }

    /// <summary>Records that the domain exists, so its locks can be taken. Idempotent.</summary>
    /// <exception cref="LockDirectoryException">The directory is not writable, or the record is a symlink or someone else's file.</exception>
    public void Create()
    {
        // Not under the directory guard: a Create overlapping a Destroy of the same domain may end
        // either way, as if it ran before or after; nothing else depends on the record's inode.
        LockFile.Close(OwnFile.Open(RecordPath, OpenFlags.O_WRONLY | OpenFlags.O_CREAT, LockDirectory, "create"));
    }

    /// <summary>
    /// Destroys the domain's userdata, as libxl's destroy does: first the record (so no new
    /// acquisition succeeds), then every file of the domain, lock files included. Waiters on
    /// its locks fail with <see cref="DomainGoneException"/>; a current holder keeps its lock
    /// until it releases, and its release leaves a re-created domain's files alone.
    /// </summary>
    /// <exception cref="LockDirectoryException">The directory cannot be listed, a file cannot be removed, or the directory guard cannot be taken.</exception>
    public void Destroy()
    {
        // Under the guard: a holder's release (check inode, then unlink) never interleaves with
        // these unlinks, so it cannot take a re-created domain's file for its own.
        using DirectoryGuard.Held guard = DirectoryGuard.Take(this);
        Remove(RecordPath);
        // Matched by hand (FilesWhere), not by a search pattern: EnumerateFiles(dir, pattern) uses
        // Win32 wildcard rules, where "?." and ".*" also match nothing, so "userdata-?.5.*" returned
        // names that are not this domain's: "userdata-.5.x" was removed, "userdata-l.5" made Destroy throw.
        List<string> files;
        try
        {
            files = FilesWhere((ref FileSystemEntry entry) =>
                IsOwnUserdata(entry.FileName.ToString()) || IsLeftoverOfConfigWrite(entry.FileName));
        }
        catch (Exception e) when (e is DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            throw new LockDirectoryException(LockDirectory, $"Cannot list lock directory '{LockDirectory}': {e.Message}");
        }

        foreach (string path in files)
        {
            Remove(path);
        }
    }

    internal void ThrowIfGone()
    {
        if (!Exists)
        {
            throw new DomainGoneException(DomainId);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"domain '{DomainId}' in {LockDirectory}";

    private string PathOf(char kind, string userdataId) =>
        System.IO.Path.Combine(LockDirectory, $"userdata-{kind}.{DomainId}.{userdataId}");

    /// <summary>
    /// Whether <paramref name="fileName"/> is <c>userdata-&lt;kind&gt;.&lt;id&gt;.&lt;userdata-id&gt;</c>
    /// for this domain's id, with a one-letter kind and a non-empty userdata id. Userdata ids contain
    /// no dot, so a name belongs to this domain only if nothing dotted follows the id: domain
    /// <c>5</c> must not take <c>userdata-l.5.abc.x</c> of domain <c>5.abc</c>.
    /// </summary>
    private bool IsOwnUserdata(string fileName)
    {
        const string Prefix = "userdata-";
        int idStart = Prefix.Length + 2;                      // after "userdata-<kind>."
        int userdataIdStart = idStart + DomainId.Length + 1;  // after "<id>."
        return fileName.Length > userdataIdStart
            && fileName.StartsWith(Prefix, StringComparison.Ordinal)
            && char.IsAsciiLetter(fileName[Prefix.Length])
            && fileName[Prefix.Length + 1] == '.'
            && string.CompareOrdinal(fileName, idStart, DomainId, 0, DomainId.Length) == 0
            && fileName[userdataIdStart - 1] == '.'
            && fileName.IndexOf('.', userdataIdStart) < 0;
    }

    /// <summary>
    /// A config write killed before its rename leaves <c>&lt;config&gt;.tmp-&lt;32 hex digits&gt;</c>
    /// beside the config (<see cref="TemporaryName"/>); older versions left <c>.tmp-&lt;pid&gt;</c>.
    /// Both are the domain's too; nothing else is.
    /// </summary>
    private bool IsLeftoverOfConfigWrite(ReadOnlySpan<char> fileName)
    {
        if (fileName.Length <= _leftoverPrefix.Length || !fileName.StartsWith(_leftoverPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        ReadOnlySpan<char> tail = fileName[_leftoverPrefix.Length..];
        bool random = RandomToken.Is(tail);
        bool processId = tail.IndexOfAnyExceptInRange('0', '9') < 0;
        return random || processId;
    }

    /// <summary>
    /// The names killed config writes of this domain may have left (<see cref="IsLeftoverOfConfigWrite"/>):
    /// one listing of the directory, names matched in place (no string for an entry that does not
    /// match). Empty when the directory cannot be listed: the next write looks again.
    /// </summary>
    internal IReadOnlyList<string> FindLeftoversOfConfigWrites()
    {
        try
        {
            return FilesWhere((ref FileSystemEntry entry) => IsLeftoverOfConfigWrite(entry.FileName));
        }
        catch (Exception e) when (e is DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            return [];
        }
    }

    /// <summary>
    /// The full paths of the lock directory's files (not directories) whose entry <paramref name="include"/> accepts:
    /// one listing, matched by hand (not by a search pattern, whose Win32 wildcard rules matched
    /// names that are not this domain's).
    /// </summary>
    private List<string> FilesWhere(FileSystemEnumerable<string>.FindPredicate include) =>
        new FileSystemEnumerable<string>(LockDirectory, (ref FileSystemEntry entry) => entry.ToFullPath(), s_allFiles)
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory && include(ref entry),
        }.ToList();

    /// <summary>
    /// Removes <paramref name="leftovers"/> (from <see cref="FindLeftoversOfConfigWrites"/>), each
    /// only if it is a plain file of ours (lstat: never a symlink, someone else's file or a hard
    /// link). Best effort: what cannot be inspected or removed stays for the next write.
    /// </summary>
    /// <remarks>
    /// Call only under the directory guard, after checking that the caller's JsonLock, held since
    /// before the listing, is still the domain's. Then no live writer of this domain is between
    /// creating and renaming a temporary file: every writer holds the JsonLock, and the only other
    /// holders are stale ones of a destroyed domain, which never rename (removing their file costs
    /// them nothing). A destroy and re-create since the listing would have made the lock stale.
    /// </remarks>
    internal void RemoveLeftoversOfConfigWrites(IReadOnlyList<string> leftovers)
    {
        foreach (string path in leftovers)
        {
            if (Syscall.lstat(path, out Stat stat) == 0 && OwnFile.Problem(stat) is null)
            {
                Syscall.unlink(path); // ENOENT or a failure: nothing to do, the next write looks again
            }
        }
    }

    /// <summary>What a config write appends to the config's name, before its random part.</summary>
    internal const string TemporarySuffix = ".tmp-";

    /// <summary>A fresh, unpredictable name for a config write's temporary file.</summary>
    internal string TemporaryName() =>
        JsonConfigPath + TemporarySuffix + RandomToken.New();

    /// <summary>
    /// Whether <paramref name="fd"/>, a held lock of this domain, is still the file at
    /// <paramref name="lockPath"/> and the domain still exists: false after a destroy (and any
    /// re-create), when acting on the domain's files would touch a domain the holder never locked.
    /// </summary>
    internal bool IsStillHeld(int fd, string lockPath) => OwnFile.NamesSameFile(fd, lockPath, LockDirectory) && Exists;

    private void Remove(string path) => OwnFile.Remove(path, LockDirectory);

    private static void CheckDomainId(string domainId)
    {
        string? problem = domainId.Length == 0 ? "it is empty"
            : domainId.Length > MaxDomainIdLength ? $"it has {domainId.Length} characters, more than {MaxDomainIdLength}"
            : domainId[0] == '.' ? "it starts with '.'"
            : domainId.Contains("..", StringComparison.Ordinal) ? "it contains '..'"
            : null;

        if (problem is null)
        {
            foreach (char c in domainId)
            {
                if (!IsAllowed(c))
                {
                    problem = c is '/' or '\\' ? $"it contains the path separator '{c}'"
                        : $"it contains the character U+{(int)c:X4}, not a letter, digit, '.', '_' or '-'";
                    break;
                }
            }
        }

        if (problem is not null)
        {
            throw new ArgumentException(
                $"Domain identifier '{domainId}' cannot name a lock file: {problem}.", nameof(domainId));
        }
    }

    private static bool IsAllowed(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-';
}
