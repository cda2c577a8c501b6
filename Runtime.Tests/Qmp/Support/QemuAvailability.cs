namespace Toolstack.Runtime.Tests.Qmp.Support;

/// <summary>
/// Where qemu-system-x86_64 is, and whether tests that need it are skipped. They are skipped,
/// with a reason, only when QEMU is missing and CI is not "true": on CI a missing QEMU fails them.
/// </summary>
internal static class QemuAvailability
{
    public const string Executable = "qemu-system-x86_64";

    private static readonly Lazy<string?> s_path = new(Find);

    /// <summary>The executable's full path, or null when it is not on PATH.</summary>
    public static string? Path => s_path.Value;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why QEMU tests are skipped here, or null when they run.</summary>
    public static string? SkipReason => Path is null && !IsCi
        ? $"{Executable} is not on PATH (apt-get install qemu-system-x86); with CI=true this test fails instead of skipping"
        : null;

    private static string? Find()
    {
        string[] directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (string directory in directories)
        {
            string candidate = System.IO.Path.Combine(directory, Executable);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
