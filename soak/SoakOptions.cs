using System.Globalization;

namespace Toolstack.Soak;

/// <summary>
/// The run's scale and which sections run. The defaults are the issue's figures; <c>--quick</c>
/// is a smoke run of the same code (20 kills, 100 cycles, 100 reconnects, 5 QEMUs).
/// </summary>
internal sealed record SoakOptions
{
    public const string Usage =
        "usage: soak/run [--quick] [--section sigkill|locks|reconnects|faults|fleet]... [--kills N] [--cycles N]\n" +
        "                [--reconnects N] [--qemus N] [--seed N]";

    public static readonly string[] AllSections = ["sigkill", "locks", "reconnects", "faults", "fleet"];

    public int Kills { get; init; } = 1000;

    public int LockCycles { get; init; } = 10_000;

    public int Reconnects { get; init; } = 1000;

    public int Qemus { get; init; } = 50;

    public int Seed { get; init; } = Random.Shared.Next();

    public IReadOnlyList<string> Sections { get; init; } = AllSections;

    /// <exception cref="ArgumentException">An unknown option, a missing value or a bad number.</exception>
    public static SoakOptions Parse(string[] args)
    {
        var options = new SoakOptions();
        var sections = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string option = args[i];
            if (option == "--quick")
            {
                options = options with { Kills = 20, LockCycles = 100, Reconnects = 100, Qemus = 5 };
                continue;
            }

            if (option is "-h" or "--help")
            {
                throw new ArgumentException("help");
            }

            string value = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option {option} needs a value");
            switch (option)
            {
                case "--section":
                    sections.Add(AllSections.Contains(value, StringComparer.Ordinal)
                        ? value
                        : throw new ArgumentException($"unknown section '{value}' (one of {string.Join(", ", AllSections)})"));
                    break;
                case "--kills": options = options with { Kills = Count(option, value, 1) }; break;
                case "--cycles": options = options with { LockCycles = Count(option, value, 1) }; break;
                case "--reconnects": options = options with { Reconnects = Count(option, value, 1) }; break;
                case "--qemus": options = options with { Qemus = Count(option, value, 2) }; break;
                case "--seed": options = options with { Seed = Count(option, value, 0) }; break;
                default: throw new ArgumentException($"unknown option {option}");
            }
        }

        return sections.Count == 0 ? options : options with { Sections = sections };
    }

    private static int Count(string option, string value, int minimum) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= minimum
            ? n
            : throw new ArgumentException($"{option} needs a whole number >= {minimum}, not '{value}'");
}
