using Toolstack.Runtime;

namespace Toolstack.Soak.Sections;

/// <summary>
/// The files in a domain's lock directory that should not be there: anything but the domain's
/// record and JSON config once every lock is released (libxl unlinks a lock file on release, and
/// the next holder after a crash does so too), such as a lock file nobody holds or a config
/// write's temporary file left by a kill. The directory's guard
/// (<see cref="DomainUserdata.DirectoryGuardFileName"/>) belongs to the directory, not to a domain,
/// and is always expected.
/// </summary>
internal static class LockDirectoryAudit
{
    public static IReadOnlyList<string> Unexpected(string directory, IReadOnlyCollection<string> expected) =>
        Directory.EnumerateFileSystemEntries(directory)
            .Where(path => !expected.Contains(path) && Path.GetFileName(path) != DomainUserdata.DirectoryGuardFileName)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();
}
