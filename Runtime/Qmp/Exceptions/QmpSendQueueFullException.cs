namespace Toolstack.Runtime;

/// <summary>
/// The call was refused before anything was sent: <see cref="QmpClientOptions.SendQueueCapacity"/>
/// commands were already waiting to be written, because QEMU is not reading its socket (stopped,
/// hung, or slower than the callers). The connection stays up; the command was not sent and has
/// no effect. Retry later, or give up on this QEMU.
/// </summary>
public sealed class QmpSendQueueFullException : QmpException
{
    internal QmpSendQueueFullException(string socketPath, string command, int capacity)
        : base($"QMP command '{command}' was not sent to '{socketPath}': {capacity} commands are already waiting to be written " +
               "(QmpClientOptions.SendQueueCapacity); QEMU is not reading its socket.")
    {
        SocketPath = socketPath;
        Command = command;
        Capacity = capacity;
    }

    /// <summary>The path of the client's Unix socket.</summary>
    public string SocketPath { get; }

    /// <summary>The command that was refused.</summary>
    public string Command { get; }

    /// <summary>The queue's capacity (<see cref="QmpClientOptions.SendQueueCapacity"/>).</summary>
    public int Capacity { get; }
}
