using System;
using System.Runtime.InteropServices;
using Mono.Unix.Native;

namespace Toolstack.Runtime;

/// <summary>Turns a native errno into a <see cref="LockDirectoryException"/> that names it.</summary>
/// <remarks>
/// Callers read errno once, immediately after the failing call, and pass it here: any call in
/// between (a close, a conversion helper) may overwrite it, and the message then said "Success".
/// </remarks>
internal static class PosixError
{
    internal static LockDirectoryException Exception(string directory, string what, int errno) =>
        new(directory, $"{what}: {Marshal.GetPInvokeErrorMessage(errno)}", Name(errno));

    internal static LockDirectoryException Exception(string directory, string what, Errno errno) =>
        Exception(directory, what, NativeConvert.FromErrno(errno));

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
