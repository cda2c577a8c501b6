using System;
using System.Globalization;
using System.IO;

namespace Toolstack.Bench.CorpusGen;

/// <summary>
/// Writes the analyzer benchmark's corpora under OUT: dense, realistic, their doubled copies
/// (the same shapes twice, under other names) and worst (one huge method).
/// Usage: CorpusGen OUT [--files N] [--methods M] [--worst-statements S] [--worst-depth D]
/// or CorpusGen figures TIMES: prints the figures from bench/analyzer/run's raw times.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: CorpusGen OUT [--files N] [--methods M] [--worst-statements S] [--worst-depth D]");
            return 2;
        }

        if (args[0] == "figures" && args.Length == 2)
        {
            return Figures.Print(args[1]);
        }

        string output = args[0];
        int files = Option(args, "--files", 800);
        int methods = Option(args, "--methods", 14);
        int statements = Option(args, "--worst-statements", 5000);
        int depth = Option(args, "--worst-depth", 60);

        Corpus(Path.Combine(output, "dense"), files, files, methods, lockEvery: 1);
        Corpus(Path.Combine(output, "dense2x"), files * 2, files, methods, lockEvery: 1);
        Corpus(Path.Combine(output, "realistic"), files, files, methods, lockEvery: 10);
        Corpus(Path.Combine(output, "realistic2x"), files * 2, files, methods, lockEvery: 10);

        string worst = Fresh(Path.Combine(output, "worst"));
        CodeWriter w = CorpusFile.WriteWorst(statements, depth, out int written);
        File.WriteAllText(Path.Combine(worst, "Worst.cs"), w.ToString());
        Console.WriteLine($"worst: 1 method, {written} statements, {depth} deep, {w.Lines} lines");
        return 0;
    }

    private static void Corpus(string directory, int files, int shapes, int methods, int lockEvery)
    {
        Fresh(directory);
        long lines = 0;
        for (int file = 0; file < files; file++)
        {
            CodeWriter w = CorpusFile.Write(file, file % shapes, methods, lockEvery);
            File.WriteAllText(Path.Combine(directory, $"Service{file}.cs"), w.ToString());
            lines += w.Lines;
        }

        Console.WriteLine($"{Path.GetFileName(directory)}: {files} files, {lines} lines, {files * methods} methods");
    }

    private static string Fresh(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        return directory;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
