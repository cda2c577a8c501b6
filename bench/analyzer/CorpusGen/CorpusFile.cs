namespace Toolstack.Bench.CorpusGen;

/// <summary>One generated source file: a service class holding the runtime's locks, and its methods.</summary>
internal static class CorpusFile
{
    private static readonly string[] Usings =
    {
        "System", "System.Collections.Generic", "System.Globalization", "System.IO", "System.Linq",
        "System.Text", "System.Threading", "System.Threading.Tasks", "Toolstack.Runtime",
    };

    /// <summary>
    /// <paramref name="lockEvery"/> = 1: every method takes locks (dense); 10: one in ten does (realistic).
    /// <paramref name="shape"/> picks the patterns, so a doubled corpus repeats the same shapes.
    /// </summary>
    public static CodeWriter Write(int file, int shape, int methods, int lockEvery)
    {
        var w = new CodeWriter();
        Header(w, file);
        using (w.Block($"public sealed class Service{file}"))
        {
            Members(w, file);
            for (int m = 0; m < methods; m++)
            {
                int index = shape * methods + m;
                if (index % lockEvery == 0)
                {
                    LockMethods.Write(w, index / lockEvery + shape, m);
                }
                else
                {
                    ServiceMethods.Write(w, index + shape, m, file);
                }
            }
        }

        return w;
    }

    public static CodeWriter WriteWorst(int statements, int depth, out int written)
    {
        var w = new CodeWriter();
        Header(w, 0);
        using (w.Block("public sealed class Service0"))
        {
            Members(w, 0);
            written = WorstMethod.Write(w, statements, depth);
        }

        return w;
    }

    private static void Header(CodeWriter w, int file)
    {
        foreach (string name in Usings)
        {
            w.Line($"using {name};");
        }

        w.Line();
        w.Line($"namespace Corpus.Part{file / 50};");
        w.Line();
        w.Line($"public sealed record Order{file}(string Customer, decimal Total, int Lines);");
        w.Line();
        w.Line($"public enum Stage{file} {{ New, Paid, Shipped, Closed }}");
        w.Line();
    }

    private static void Members(CodeWriter w, int file)
    {
        w.Line("private readonly Driver _driver;");
        w.Line("private readonly DriverLock _driverLock;");
        w.Line("private readonly Domain _domain;");
        w.Line("private readonly DomainLock _vm;");
        w.Line("private readonly JsonLock _json;");
        w.Line("private readonly QmpLock _slow;");
        w.Line("private readonly QmpClient _qmp;");
        w.Line("private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);");
        w.Line("private int _generation;");
        w.Line();
        using (w.Block($"public Service{file}(Driver driver, Domain domain, DomainUserdata files, QmpClient qmp)"))
        {
            w.Line("_driver = driver;");
            w.Line("_driverLock = driver.DriverLock;");
            w.Line("_domain = domain;");
            w.Line($"_vm = new DomainLock(\"vm{file}\");");
            w.Line("_json = new JsonLock(files);");
            w.Line("_slow = new QmpLock(files);");
            w.Line("_qmp = qmp;");
        }

        w.Line();
    }
}
