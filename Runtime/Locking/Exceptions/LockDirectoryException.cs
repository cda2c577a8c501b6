using System.IO;

namespace Toolstack.Runtime;

/// <summary>
/// The lock directory is missing, not a directory, or unsafe (others could write into it), or a
/// file in it cannot be created, opened or inspected, or is not a plain file of the effective user
/// (a symlink, someone else's file): such a file is never followed or adopted. Nothing is held
/// when this is thrown.
/// </summary>
public sealed class LockDirectoryException : IOException
{
    internal LockDirectoryException(string directory, string message, string? errno = null)
        : base(errno is null ? message : $"{message} ({errno})")
    {
        Directory = directory;
        Errno = errno;
    }

    /// <summary>The lock directory.</summary>
    public string Directory { get; }

    /// <summary>The POSIX error behind the failure (for example <c>EACCES</c>), when there was one.</summary>
    public string? Errno { get; }
}
