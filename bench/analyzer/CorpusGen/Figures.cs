using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Toolstack.Bench.CorpusGen;

/// <summary>
/// Turns bench/analyzer/run's raw times into the issue's figures. Every ratio is computed within
/// one repetition (the variants of a repetition ran back to back), then summarised as the median
/// with the min..max over repetitions, so slow drift of a shared machine cancels out.
/// </summary>
internal static class Figures
{
    private sealed record Build(string Rep, string Corpus, string Variant, double Wall, double Cpu, string Warnings);

    private sealed record Accounting(string Corpus, string Rep, double Toolstack, double Vsthrd);

    public static int Print(string timesFile)
    {
        var builds = new List<Build>();
        var accounting = new List<Accounting>();
        foreach (string line in File.ReadLines(timesFile))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f[0] == "analyzer")
            {
                accounting.Add(new Accounting(f[1], f[2], Num(f[3]), Num(f[4])));
            }
            else if (f[0] != "warmup" && f[2] != "both")
            {
                builds.Add(new Build(f[0], f[1], f[2], Num(f[3]), Num(f[4]), f[5]));
            }
        }

        Dense(builds);
        Realistic(builds);
        Scaling(accounting);
        Worst(accounting);
        Totals(builds, accounting);
        return 0;
    }

    private static void Dense(List<Build> builds)
    {
        if (!builds.Any(b => b.Corpus == "dense"))
        {
            return;
        }

        string ratio = Summary(Paired(builds, "dense", b => b.Wall,
            (none, v) => (v["toolstack"] - none) / (v["vsthrd"] - none)), "0.00");
        string ratioCpu = Summary(Paired(builds, "dense", b => b.Cpu,
            (none, v) => (v["toolstack"] - none) / (v["vsthrd"] - none)), "0.00");
        Console.WriteLine(
            $"dense: toolstack {Added(builds, "dense", "toolstack", b => b.Wall)} wall, {Added(builds, "dense", "toolstack", b => b.Cpu)} cpu; " +
            $"vsthrd {Added(builds, "dense", "vsthrd", b => b.Wall)} wall, {Added(builds, "dense", "vsthrd", b => b.Cpu)} cpu; " +
            $"toolstack/vsthrd added = {ratio} wall, {ratioCpu} cpu (target <= 0.5) " +
            $"{Verdict(builds, "dense", b => b.Wall, r => r <= 0.5)} by wall, {Verdict(builds, "dense", b => b.Cpu, r => r <= 0.5)} by cpu");
        Console.WriteLine(
            $"dense: empty {Added(builds, "dense", "empty", b => b.Wall)} wall over none; " +
            $"toolstack over empty {Added(builds, "dense", "toolstack", b => b.Wall, over: "empty")} wall");
    }

    private static void Realistic(List<Build> builds)
    {
        if (!builds.Any(b => b.Corpus == "realistic"))
        {
            return;
        }

        var added = Paired(builds, "realistic", b => b.Wall, (none, v) => v["toolstack"] / none - 1);
        var addedCpu = Paired(builds, "realistic", b => b.Cpu, (none, v) => v["toolstack"] / none - 1);
        Console.WriteLine(
            $"realistic: toolstack {Added(builds, "realistic", "toolstack", b => b.Wall)} wall over none " +
            $"(target <= 5%) {(Median(added) <= 0.05 ? "MET" : "MISSED")} by wall, {Added(builds, "realistic", "toolstack", b => b.Cpu)} cpu " +
            $"{(Median(addedCpu) <= 0.05 ? "MET" : "MISSED")} by cpu; " +
            $"over empty {Added(builds, "realistic", "toolstack", b => b.Wall, over: "empty")} wall, " +
            $"{Added(builds, "realistic", "toolstack", b => b.Cpu, over: "empty")} cpu");
        Console.WriteLine(
            $"realistic: empty {Added(builds, "realistic", "empty", b => b.Wall)} wall over none; " +
            $"vsthrd {Added(builds, "realistic", "vsthrd", b => b.Wall)} wall, {Added(builds, "realistic", "vsthrd", b => b.Cpu)} cpu");
    }

    private static void Scaling(List<Accounting> accounting)
    {
        foreach (string corpus in new[] { "dense", "realistic" })
        {
            var ts = Doubling(accounting, corpus, a => a.Toolstack);
            var vs = Doubling(accounting, corpus, a => a.Vsthrd);
            if (ts.Count > 0)
            {
                Console.WriteLine(
                    $"scaling ({corpus}): toolstack analyzer time doubled corpus / corpus = {Summary(ts, "0.00")} " +
                    $"(target <= 2.1) {(Median(ts) <= 2.1 ? "MET" : "MISSED")}; vsthrd {Summary(vs, "0.00")}");
            }
        }
    }

    private static void Worst(List<Accounting> accounting)
    {
        var rows = accounting.Where(a => a.Corpus == "worst").ToList();
        if (rows.Count > 0)
        {
            var ts = rows.Select(a => a.Toolstack * 1000).ToList();
            Console.WriteLine(
                $"worst method: toolstack analyzer time {Summary(ts, "0")} ms (target < 200 ms) {(Median(ts) < 200 ? "MET" : "MISSED")}; " +
                $"vsthrd {Summary(rows.Select(a => a.Vsthrd * 1000).ToList(), "0")} ms");
        }
    }

    private static void Totals(List<Build> builds, List<Accounting> accounting)
    {
        foreach (var group in accounting.GroupBy(a => a.Corpus))
        {
            Console.WriteLine(
                $"analyzer time ({group.Key}, Roslyn's accounting, both in one compilation): toolstack " +
                $"{Summary(group.Select(a => a.Toolstack).ToList(), "0.000")} s, vsthrd {Summary(group.Select(a => a.Vsthrd).ToList(), "0.000")} s");
        }

        foreach (var group in builds.GroupBy(b => (b.Corpus, b.Variant)))
        {
            Console.WriteLine(
                $"build ({group.Key.Corpus}, {group.Key.Variant}): wall {Summary(group.Select(b => b.Wall).ToList(), "0.0")} s, " +
                $"cpu {Summary(group.Select(b => b.Cpu).ToList(), "0.0")} s, warnings TSL/VSTHRD {string.Join(",", group.Select(b => b.Warnings).Distinct())}");
        }
    }

    // "+x% (min..max)": the variant's time over the baseline's, paired by repetition.
    private static string Added(List<Build> builds, string corpus, string variant, Func<Build, double> time, string over = "none")
    {
        var ratios = new List<double>();
        foreach (var rep in builds.Where(b => b.Corpus == corpus).GroupBy(b => b.Rep))
        {
            Build? baseline = rep.FirstOrDefault(b => b.Variant == over);
            Build? measured = rep.FirstOrDefault(b => b.Variant == variant);
            if (baseline is not null && measured is not null)
            {
                ratios.Add((time(measured) / time(baseline) - 1) * 100);
            }
        }

        return ratios.Count == 0 ? "n/a" : $"{Signed(Median(ratios))}% ({Signed(ratios.Min())}..{Signed(ratios.Max())})";
    }

    private static List<double> Paired(List<Build> builds, string corpus, Func<Build, double> time,
        Func<double, Dictionary<string, double>, double> figure)
    {
        var values = new List<double>();
        foreach (var rep in builds.Where(b => b.Corpus == corpus).GroupBy(b => b.Rep))
        {
            var byVariant = rep.ToDictionary(b => b.Variant, time);
            if (byVariant.TryGetValue("none", out double none) && byVariant.ContainsKey("toolstack") && byVariant.ContainsKey("vsthrd"))
            {
                values.Add(figure(none, byVariant));
            }
        }

        return values;
    }

    private static string Verdict(List<Build> builds, string corpus, Func<Build, double> time, Func<double, bool> met)
    {
        var ratios = Paired(builds, corpus, time, (none, v) => (v["toolstack"] - none) / (v["vsthrd"] - none));
        return ratios.Count == 0 ? "" : met(Median(ratios)) ? "MET" : "MISSED";
    }

    private static List<double> Doubling(List<Accounting> accounting, string corpus, Func<Accounting, double> time)
    {
        var values = new List<double>();
        foreach (var rep in accounting.GroupBy(a => a.Rep))
        {
            Accounting? single = rep.FirstOrDefault(a => a.Corpus == corpus);
            Accounting? doubled = rep.FirstOrDefault(a => a.Corpus == corpus + "2x");
            if (single is not null && doubled is not null && time(single) > 0)
            {
                values.Add(time(doubled) / time(single));
            }
        }

        return values;
    }

    private static string Summary(List<double> values, string format) =>
        values.Count == 0 ? "n/a"
            : $"{Median(values).ToString(format, CultureInfo.InvariantCulture)} " +
              $"({values.Min().ToString(format, CultureInfo.InvariantCulture)}..{values.Max().ToString(format, CultureInfo.InvariantCulture)})";

    private static string Signed(double percent) =>
        (percent >= 0 ? "+" : "") + percent.ToString("0.0", CultureInfo.InvariantCulture);

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        int n = sorted.Count;
        return n == 0 ? double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    // Roslyn prints "<0.001" for what it could not time.
    private static double Num(string text) => double.Parse(text.TrimStart('<'), CultureInfo.InvariantCulture);
}
