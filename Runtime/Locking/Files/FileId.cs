using Mono.Unix.Native;

namespace Toolstack.Runtime;

/// <summary>
/// A file's identity (device and inode). An open descriptor's identity never changes, so one
/// fstat at open serves every later "does the path still name my file?" check, which then costs
/// one lstat instead of fstat + lstat (issue 10).
/// </summary>
internal readonly record struct FileId(ulong Device, ulong Inode)
{
    internal static FileId Of(in Stat stat) => new(stat.st_dev, stat.st_ino);
}
