namespace Toolstack.Tools.Tests.Support;

/// <summary>
/// Where Debian's chromium is, and whether tests that need it are skipped. They are skipped, with a
/// reason, only when it is missing and CI is not "true": on CI (.ci/run installs it) a missing
/// Chromium fails them.
/// </summary>
internal static class ChromiumAvailability
{
    public const string Executable = "chromium";

    private static readonly Lazy<string?> s_path = new(Find);

    /// <summary>The executable's full path, or null when it is not on PATH.</summary>
    public static string? Path => s_path.Value;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why browser tests are skipped here, or null when they run.</summary>
    public static string? SkipReason => Path is null && !IsCi
        ? $"{Executable} is not on PATH (apt-get install chromium); with CI=true this test fails instead of skipping"
        : null;

    /// <summary>The executable, or a failure saying it is missing (on CI, where the test is not skipped).</summary>
    public static string Require() => Path
        ?? throw new InvalidOperationException($"{Executable} is not installed (CI=true: browser tests must run, not skip).");

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
