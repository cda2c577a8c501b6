namespace Toolstack.Runtime;

/// <summary>
/// QEMU answered a command with an error reply (<c>{"error": {"class": ..., "desc": ...}}</c>).
/// The connection stays usable.
/// </summary>
public sealed class QmpCommandException : QmpException
{
    internal QmpCommandException(string command, string errorClass, string description)
        : base($"QMP command '{command}' failed: {errorClass}: {description}")
    {
        Command = command;
        Class = errorClass;
        Description = description;
    }

    /// <summary>The command QEMU refused, e.g. <c>device_del</c>.</summary>
    public string Command { get; }

    /// <summary>QEMU's error class (<c>class</c>), e.g. <c>CommandNotFound</c>, <c>GenericError</c>, <c>DeviceNotFound</c>.</summary>
    public string Class { get; }

    /// <summary>QEMU's human-readable description (<c>desc</c>).</summary>
    public string Description { get; }
}
