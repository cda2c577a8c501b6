using System.Text.Json;

namespace Toolstack.Runtime;

/// <summary>A QEMU version as QMP reports it (in the greeting and from <c>query-version</c>).</summary>
public sealed class QmpVersion
{
    /// <summary>Creates a version.</summary>
    public QmpVersion(int major, int minor, int micro, string package)
    {
        Major = major;
        Minor = minor;
        Micro = micro;
        Package = package ?? string.Empty;
    }

    /// <summary>The major version, e.g. 7.</summary>
    public int Major { get; }

    /// <summary>The minor version, e.g. 2.</summary>
    public int Minor { get; }

    /// <summary>The micro version, e.g. 22.</summary>
    public int Micro { get; }

    /// <summary>The distribution's package string (may be empty), e.g. <c>Debian 1:7.2+dfsg-7</c>.</summary>
    public string Package { get; }

    /// <summary><c>major.minor.micro</c>, then the package in parentheses when there is one.</summary>
    public override string ToString() =>
        Package.Length == 0 ? $"{Major}.{Minor}.{Micro}" : $"{Major}.{Minor}.{Micro} ({Package})";

    /// <summary>Reads <c>{"qemu": {"major", "minor", "micro"}, "package"}</c>.</summary>
    internal static QmpVersion Parse(JsonElement version)
    {
        JsonElement qemu = QmpJson.Required(version, "qemu", JsonValueKind.Object);
        return new QmpVersion(
            QmpJson.RequiredInt32(qemu, "major"),
            QmpJson.RequiredInt32(qemu, "minor"),
            QmpJson.RequiredInt32(qemu, "micro"),
            QmpJson.OptionalString(version, "package") ?? string.Empty);
    }
}
