using System;
using System.IO;
using System.Runtime.InteropServices;

namespace Toolstack.Bench.Runtime;

/// <summary>
/// The C versions of the lock-file protocol (native/jsonlock.c), compiled by bench/runtime/run
/// into libtsjsonlock.so beside this program and called in-process, so the ratio compares
/// protocols, not process start-up.
/// </summary>
internal static unsafe partial class NativeJsonLock
{
    private const string Library = "tsjsonlock";

    static NativeJsonLock()
    {
        NativeLibrary.SetDllImportResolver(typeof(NativeJsonLock).Assembly, (name, _, _) =>
        {
            if (name != Library)
            {
                return IntPtr.Zero;
            }

            string path = Path.Combine(AppContext.BaseDirectory, "libtsjsonlock.so");
            return File.Exists(path)
                ? NativeLibrary.Load(path)
                : throw new DllNotFoundException($"{path} is missing: run the benchmarks with `bash bench/runtime/run`, which compiles it with cc.");
        });
    }

    /// <summary>A NUL-terminated UTF-8 copy of a path, made once so the benchmark measures no marshalling.</summary>
    internal static byte[] Utf8(string path) => System.Text.Encoding.UTF8.GetBytes(path + "\0");

    [LibraryImport(Library, EntryPoint = "minimal_acquire")]
    internal static partial int MinimalAcquire(byte* path);

    [LibraryImport(Library, EntryPoint = "minimal_release")]
    internal static partial void MinimalRelease(byte* path, int fd);

    [LibraryImport(Library, EntryPoint = "full_acquire")]
    internal static partial int FullAcquire(byte* path, byte* record, byte* id);

    [LibraryImport(Library, EntryPoint = "full_release")]
    internal static partial void FullRelease(byte* path, byte* guard, int fd, byte* id);

    /// <summary>Room for the C side's <c>struct stat</c> (144 bytes on x86-64, 128 on arm64).</summary>
    internal const int StatSize = 256;
}
