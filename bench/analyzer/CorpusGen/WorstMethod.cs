namespace Toolstack.Bench.CorpusGen;

/// <summary>
/// One very large method: about <c>statements</c> statements nested <c>depth</c> deep (if, for,
/// try/finally, while, in turn), with short locks taken and released at every level and a QMP
/// call under the slow lock, so the engine works at every depth. It follows the rules.
/// </summary>
internal static class WorstMethod
{
    public static int Write(CodeWriter w, int statements, int depth)
    {
        int perLevel = System.Math.Max(8, statements / depth);
        int written = 0;
        using (w.Block("public async Task<int> WorstAsync(int x, CancellationToken ct)"))
        {
            w.Line("int total = 0;");
            using (w.Block("await using (LockHandle slow = await _slow.LockAsync(ct))"))
            {
                written += Level(w, 0, depth, perLevel, endsWithBreak: false);
            }

            w.Line("return total;");
        }

        return written;
    }

    private static int Level(CodeWriter w, int d, int depth, int perLevel, bool endsWithBreak)
    {
        int written = Statements(w, d, perLevel / 2, "a");
        if (d + 1 < depth)
        {
            written++;
            using (w.Block(Header(d)))
            {
                written += Level(w, d + 1, depth, perLevel, endsWithBreak: d % 4 == 3);
            }

            if (d % 4 == 2)
            {
                using (w.Block("finally"))
                {
                    w.Line($"total -= {d};");
                    written++;
                }
            }
        }

        written += Statements(w, d, perLevel - perLevel / 2, "b");
        if (endsWithBreak)
        {
            // The body of a while: leave it after one pass.
            w.Line("break;");
            written++;
        }

        return written;
    }

    private static string Header(int d) => (d % 4) switch
    {
        0 => $"if (x > {d} || total < {d * 3})",
        1 => $"for (int i{d} = 0; i{d} < 2; i{d}++)",
        2 => "try",
        _ => $"while (total < {d * 1000})",
    };

    // A group of 8 statements (counting each lock block as its statements): two short-lock scopes,
    // one explicit try/finally pair under the driver lock, plain arithmetic and a QMP call.
    private static int Statements(CodeWriter w, int d, int count, string half)
    {
        int written = 0;
        for (int g = 0; written == 0 || written + 8 <= count; g++)
        {
            w.Line($"total += x * {g + 1} - {d};");
            using (w.Block("using (_vm.Lock())"))
            {
                w.Line($"_generation += total % {g + 2};");
            }

            w.Line($"LockHandle h{d}{half}{g} = _driverLock.Lock();");
            using (w.Block("try"))
            {
                using (w.Block("using (_vm.Lock())"))
                {
                    w.Line($"_generation ^= {d + g};");
                }
            }

            using (w.Block("finally"))
            {
                w.Line($"_driverLock.Unlock(h{d}{half}{g});");
            }

            w.Line($"total += (await _qmp.QueryStatusAsync(ct)).GetHashCode() & {g % 3 + 1};");
            written += 8;
        }

        return written;
    }
}
