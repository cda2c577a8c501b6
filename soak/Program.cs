using Toolstack.Runtime.Tests.Qmp.Support;
using Toolstack.Soak.Sections;
using Toolstack.Soak.Support;

namespace Toolstack.Soak;

/// <summary>
/// The soak/reliability run: SIGKILLs of the hot-plug child, lock cycles, QMP reconnects, the
/// QMP fault matrix and 50 QEMUs with one stopped. One line per figure on stdout, each ending
/// PASS or FAIL; exit code 0 only if every figure passed (1 if one failed, 2 for a bad command
/// line, 130 when interrupted).
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        SoakOptions options;
        try
        {
            options = SoakOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            if (e.Message != "help")
            {
                Console.Error.WriteLine($"soak: {e.Message}");
            }

            Console.Error.WriteLine(SoakOptions.Usage);
            return e.Message == "help" ? 0 : 2;
        }

        Reaper.InstallSignalHandlers();
        if (QemuAvailability.Path is null)
        {
            Console.Error.WriteLine("soak: qemu-system-x86_64 is not on PATH (apt-get install qemu-system-x86)");
            return 2;
        }

        Log.Note($"seed {options.Seed} (replay with --seed {options.Seed}); sections: {string.Join(", ", options.Sections)}");
        bool passed = true;
        try
        {
            foreach (string section in options.Sections)
            {
                IReadOnlyList<Figure> figures = await RunAsync(section, options);
                foreach (Figure figure in figures)
                {
                    passed &= figure.Print();
                }
            }
        }
        finally
        {
            Reaper.KillAll();
        }

        return passed ? 0 : 1;
    }

    private static async Task<IReadOnlyList<Figure>> RunAsync(string section, SoakOptions options)
    {
        try
        {
            return section switch
            {
                "sigkill" => [await SigkillSection.RunAsync(options)],
                "locks" => [await LockCycleSection.RunAsync(options)],
                "reconnects" => [await ReconnectSection.RunAsync(options)],
                "faults" => await FaultMatrixSection.RunAsync(),
                "fleet" => [await FleetLatencySection.RunAsync(options)],
                _ => throw new ArgumentException($"unknown section '{section}'"),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException || !Reaper.Stopping.IsCancellationRequested)
        {
            // A section that cannot finish is a failed figure, not a crashed run: the others still report.
            return [new Figure(section).Add("aborted", e.GetType().Name).Require(false, $"{section} aborted: {e}")];
        }
    }
}
