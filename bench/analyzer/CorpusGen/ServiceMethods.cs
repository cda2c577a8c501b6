namespace Toolstack.Bench.CorpusGen;

/// <summary>
/// Ordinary service code that touches no lock: LINQ, string handling, async I/O-like code,
/// records and switch expressions, dictionaries and exceptions, lambdas and local functions.
/// Every file declares <c>Order{file}</c> (a record) and <c>Stage{file}</c> (an enum) for it.
/// </summary>
internal static class ServiceMethods
{
    public const int Patterns = 6;

    public static void Write(CodeWriter w, int pattern, int k, int file)
    {
        switch (pattern % Patterns)
        {
            case 0: Linq(w, k, file); break;
            case 1: Strings(w, k); break;
            case 2: AsyncIo(w, k); break;
            case 3: SwitchExpression(w, k, file); break;
            case 4: DictionaryAndCatch(w, k); break;
            default: LambdasAndLocalFunction(w, k, file); break;
        }

        w.Line();
    }

    private static void Linq(CodeWriter w, int k, int file)
    {
        using (w.Block($"public IReadOnlyList<string> TopCustomers{k}(IEnumerable<Order{file}> orders)"))
        {
            w.Line("return orders");
            w.Line($"    .Where(o => o.Total > {k % 100}m && o.Lines > 0)");
            w.Line("    .GroupBy(o => o.Customer, StringComparer.OrdinalIgnoreCase)");
            w.Line("    .Select(g => new { Customer = g.Key, Sum = g.Sum(o => o.Total) })");
            w.Line("    .OrderByDescending(x => x.Sum)");
            w.Line($"    .Take({k % 10 + 3})");
            w.Line("    .Select(x => x.Customer.ToUpperInvariant())");
            w.Line("    .ToList();");
        }
    }

    private static void Strings(CodeWriter w, int k)
    {
        using (w.Block($"public string Format{k}(string csv)"))
        {
            w.Line("var builder = new StringBuilder();");
            using (w.Block("foreach (string part in csv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))"))
            {
                using (w.Block("if (part.StartsWith('#'))"))
                {
                    w.Line("continue;");
                }

                w.Line($"builder.Append(part.Length > {k % 7 + 4} ? part[..{k % 7 + 4}] : part.PadRight({k % 7 + 4}, '.'));");
                w.Line("builder.Append('|');");
            }

            w.Line($"return $\"{{builder.ToString().TrimEnd('|')}} ({k})\";");
        }
    }

    private static void AsyncIo(CodeWriter w, int k)
    {
        using (w.Block($"public async Task<int> CountLines{k}Async(byte[] payload, CancellationToken ct)"))
        {
            w.Line("using var stream = new MemoryStream(payload, writable: false);");
            w.Line("using var reader = new StreamReader(stream, Encoding.UTF8);");
            w.Line("int count = 0;");
            w.Line("string? line;");
            using (w.Block("while ((line = await reader.ReadLineAsync(ct).ConfigureAwait(false)) is not null)"))
            {
                w.Line($"count += line.Length > {k % 40} ? 2 : 1;");
            }

            w.Line("await Task.Yield();");
            w.Line("return count;");
        }
    }

    private static void SwitchExpression(CodeWriter w, int k, int file)
    {
        using (w.Block($"public decimal Price{k}(Order{file} order, Stage{file} stage)"))
        {
            w.Line("decimal factor = stage switch");
            w.Line("{");
            w.Line($"    Stage{file}.New => 1.0m,");
            w.Line($"    Stage{file}.Paid when order.Total > {k % 500}m => 0.9m,");
            w.Line($"    Stage{file}.Paid => 0.95m,");
            w.Line($"    Stage{file}.Shipped => 1.05m,");
            w.Line("    _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),");
            w.Line("};");
            w.Line("return order switch");
            w.Line("{");
            w.Line("    { Lines: 0 } => 0m,");
            w.Line($"    {{ Customer.Length: > {k % 12 + 3} }} => order.Total * factor,");
            w.Line("    _ => order with { Total = order.Total + 1m } is var bumped ? bumped.Total * factor : 0m,");
            w.Line("};");
        }
    }

    private static void DictionaryAndCatch(CodeWriter w, int k)
    {
        using (w.Block($"public int Tally{k}(IEnumerable<string> words)"))
        {
            w.Line("var counts = new Dictionary<string, int>(StringComparer.Ordinal);");
            using (w.Block("foreach (string word in words)"))
            {
                using (w.Block("try"))
                {
                    w.Line($"int value = int.Parse(word, CultureInfo.InvariantCulture) % {k % 9 + 2};");
                    w.Line("counts[word] = counts.TryGetValue(word, out int seen) ? seen + value : value;");
                }

                using (w.Block("catch (FormatException)"))
                {
                    w.Line("counts[word] = -1;");
                }
            }

            w.Line("return counts.Values.Where(v => v > 0).Sum();");
        }
    }

    private static void LambdasAndLocalFunction(CodeWriter w, int k, int file)
    {
        using (w.Block($"public Func<Order{file}, bool> Filter{k}(string prefix)"))
        {
            w.Line("bool Matches(string s) => s.StartsWith(prefix, StringComparison.Ordinal);");
            w.Line($"Func<decimal, bool> large = t => t > {k % 300}m;");
            w.Line("return o => Matches(o.Customer) && large(o.Total);");
        }
    }
}
