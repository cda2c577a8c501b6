namespace Toolstack.Soak.Support;

/// <summary>Progress and diagnostics, on stderr with a <c>#</c>, so stdout holds only the figures.</summary>
internal static class Log
{
    public static void Note(string text) => Console.Error.WriteLine($"  # {text}");
}
