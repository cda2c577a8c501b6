using System;
using System.IO;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Toolstack.Runtime;

/// <summary>
/// File-descriptor passing over a Unix socket: sendmsg(2) with one SCM_RIGHTS control message,
/// and the close-on-exec duplicate the client keeps until the bytes are sent. Linux (glibc or
/// musl) on 64-bit targets.
/// </summary>
internal static unsafe partial class ScmRights
{
    private const int SOL_SOCKET = 1;
    private const int SCM_RIGHTS = 1;
    private const int MSG_DONTWAIT = 0x40;
    private const int MSG_NOSIGNAL = 0x4000;
    private const int F_DUPFD_CLOEXEC = 1030;

    private const int EINTR = 4;
    private const int EAGAIN = 11;
    private const int EBADF = 9;

    /// <summary>A close-on-exec duplicate of <paramref name="fd"/>, owned by the caller.</summary>
    internal static int Duplicate(int fd, string parameterName)
    {
        if (fd < 0)
        {
            throw new ArgumentOutOfRangeException(parameterName, fd, "A file descriptor is never negative.");
        }

        while (true)
        {
            int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
            if (copy >= 0)
            {
                return copy;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR)
            {
                continue;
            }

            if (errno == EBADF)
            {
                throw new ArgumentException($"{fd} is not an open file descriptor.", parameterName);
            }

            throw new IOException($"Cannot duplicate file descriptor {fd}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    /// <summary>A close-on-exec duplicate of the descriptor <paramref name="handle"/> wraps, owned by the caller.</summary>
    internal static int Duplicate(SafeHandle handle, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(handle, parameterName);
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return Duplicate(checked((int)handle.DangerousGetHandle()), parameterName);
        }
        catch (ObjectDisposedException e)
        {
            throw new ArgumentException("The handle is closed.", parameterName, e);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    internal static void Close(int fd)
    {
        if (fd >= 0)
        {
            _ = close(fd);
        }
    }

    /// <summary>
    /// One non-blocking sendmsg of <paramref name="data"/> with <paramref name="fd"/> attached.
    /// Returns the bytes sent (the descriptor travels with the first of them), or 0 when the
    /// socket's buffer is full (nothing sent; try again later).
    /// </summary>
    internal static int TrySend(Socket socket, ReadOnlySpan<byte> data, int fd)
    {
        const int ControlBytes = 24; // CMSG_SPACE(sizeof(int)) on LP64
        byte* control = stackalloc byte[ControlBytes];
        new Span<byte>(control, ControlBytes).Clear();
        var header = (CmsgHdr*)control;
        header->Length = (nuint)(sizeof(CmsgHdr) + sizeof(int)); // CMSG_LEN(sizeof(int))
        header->Level = SOL_SOCKET;
        header->Type = SCM_RIGHTS;
        *(int*)(control + sizeof(CmsgHdr)) = fd;

        SafeHandle handle = socket.SafeHandle;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int socketFd = checked((int)handle.DangerousGetHandle());
            fixed (byte* bytes = data)
            {
                var iov = new IoVec { Base = bytes, Length = (nuint)data.Length };
                var message = new MsgHdr
                {
                    Iov = &iov,
                    IovLength = 1,
                    Control = control,
                    ControlLength = ControlBytes,
                };

                while (true)
                {
                    nint sent = sendmsg(socketFd, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
                    if (sent >= 0)
                    {
                        return (int)sent;
                    }

                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR)
                    {
                        continue;
                    }

                    if (errno == EAGAIN)
                    {
                        return 0;
                    }

                    throw new IOException($"sendmsg with SCM_RIGHTS failed: {Marshal.GetPInvokeErrorMessage(errno)}");
                }
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CmsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint sendmsg(int socket, MsgHdr* message, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, int argument);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
