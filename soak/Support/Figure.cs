using System.Globalization;
using System.Text;

namespace Toolstack.Soak.Support;

/// <summary>
/// One figure of the soak run: a section name, <c>key=value</c> pairs, and PASS or FAIL against
/// its target, printed as one plain line so that a script (or the lead's closing note) can grep it.
/// </summary>
internal sealed class Figure
{
    private readonly StringBuilder _line = new();
    private readonly List<string> _reasons = [];

    public Figure(string name)
    {
        _line.Append(name).Append(':');
    }

    /// <summary>False once any <see cref="Require"/> failed.</summary>
    public bool Passed => _reasons.Count == 0;

    public Figure Add(string key, object value)
    {
        _line.Append(' ').Append(key).Append('=').Append(Format(value));
        return this;
    }

    /// <summary>Fails the figure, recording why, when <paramref name="condition"/> is false.</summary>
    public Figure Require(bool condition, string why)
    {
        if (!condition)
        {
            _reasons.Add(why);
        }

        return this;
    }

    /// <summary>
    /// Open descriptors and live heap before and after a run of <paramref name="what"/>: the
    /// descriptors must be back to their count, the heap within <paramref name="heapAllowance"/>.
    /// </summary>
    public Figure Resources(int fdsBefore, int fdsAfter, long heapBefore, long heapAfter, long heapAllowance, string what) =>
        Add("fds_before", fdsBefore)
            .Add("fds_after", fdsAfter)
            .Add("heap_before", Kib(heapBefore))
            .Add("heap_after", Kib(heapAfter))
            .Require(fdsAfter == fdsBefore, $"{fdsAfter - fdsBefore} descriptors more after the {what} than before")
            .Require(heapAfter - heapBefore <= heapAllowance,
                $"the live heap grew by {Kib(heapAfter - heapBefore)} (allowance {Kib(heapAllowance)})");

    /// <summary>The figure's line on stdout; why it failed goes to stderr, so stdout stays one line per figure.</summary>
    public bool Print()
    {
        Console.Out.WriteLine($"{_line} {(Passed ? "PASS" : "FAIL")}");
        foreach (string reason in _reasons)
        {
            Console.Error.WriteLine($"  # {reason}");
        }

        return Passed;
    }

    public static string Kib(long bytes) => (bytes / 1024).ToString(CultureInfo.InvariantCulture) + "KiB";

    public static string Ms(TimeSpan time) => time.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + "ms";

    public static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + "s";

    private static string Format(object value) => value switch
    {
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "null",
    };
}
