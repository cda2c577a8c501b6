using System;
using System.Runtime.InteropServices;
using Mono.Unix.Native;

namespace Toolstack.Runtime;

/// <summary>Turns a native errno into a <see cref="LockDirectoryException"/> that names it.</summary>
internal static class PosixError
{
    internal static LockDirectoryException Exception(string directory, string what, int errno) =>
        new(directory, $"{what}: {Marshal.GetPInvokeErrorMessage(errno)}", Name(errno));

    internal static LockDirectoryException Last(string directory, string what) =>
        Exception(directory, what, NativeConvert.FromErrno(Stdlib.GetLastError()));

    private static string Name(int errno)
    {
        try
        {
            return NativeConvert.ToErrno(errno).ToString();
        }
        catch (ArgumentException)
        {
            return $"errno {errno}";
        }
    }
}
