using System.Runtime.InteropServices;

namespace Toolstack.Runtime;

/// <summary>
/// flock(2), which Mono.Posix lacks. libxl locks its files with flock, not fcntl: the two do not
/// exclude each other on Linux, and fcntl locks belong to the whole process.
/// </summary>
internal static partial class Flock
{
    internal const int Exclusive = 2;   // LOCK_EX
    internal const int NonBlocking = 4; // LOCK_NB

    internal const int EINTR = 4;
    internal const int EWOULDBLOCK = 11;

    /// <summary>Returns 0, or the errno of the failure.</summary>
    internal static int Lock(int fd, int operation)
    {
        while (true)
        {
            if (flock(fd, operation) == 0)
            {
                return 0;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                return errno;
            }
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(int fd, int operation);
}
