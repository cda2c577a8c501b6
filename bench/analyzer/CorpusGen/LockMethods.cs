namespace Toolstack.Bench.CorpusGen;

/// <summary>
/// Toolstack-like methods that follow the locking rules: driver → domain nesting, the job/monitor
/// pattern around QMP calls, the slow lock around the JSON lock and QMP work, explicit try/finally
/// releases, helpers whose summaries take a lock, locks in loops. None should draw a diagnostic.
/// </summary>
internal static class LockMethods
{
    public const int Patterns = 7;

    public static void Write(CodeWriter w, int pattern, int k)
    {
        switch (pattern % Patterns)
        {
            case 0: DriverThenDomain(w, k); break;
            case 1: JobAndMonitor(w, k); break;
            case 2: SlowJsonQmp(w, k); break;
            case 3: TryFinally(w, k); break;
            case 4: LookupThenQmp(w, k); break;
            case 5: HelperUnderDriver(w, k); break;
            default: LockInLoop(w, k); break;
        }

        w.Line();
    }

    private static void DriverThenDomain(CodeWriter w, int k)
    {
        using (w.Block($"public int Refresh{k}(string name)"))
        {
            w.Line("using (LockHandle driver = _driverLock.Lock())");
            using (w.Block("using (LockHandle vm = _vm.Lock())"))
            {
                w.Line($"_generation += {k % 17 + 1};");
                using (w.Block("if (_counts.TryGetValue(name, out int n))"))
                {
                    w.Line("_counts[name] = n + 1;");
                }

                using (w.Block("else"))
                {
                    w.Line("_counts[name] = 1;");
                }

                w.Line("return _generation;");
            }
        }
    }

    private static void JobAndMonitor(CodeWriter w, int k)
    {
        using (w.Block($"public async Task<bool> Pause{k}Async(CancellationToken ct)"))
        {
            w.Line("await using DomainJob job = await _domain.BeginJobAsync(DomainJobKind.Modify, null, ct);");
            using (w.Block("using (_domain.StateLock.Lock())"))
            {
                using (w.Block("if (_domain.State != DomainRunState.Running)"))
                {
                    w.Line("return false;");
                }

                w.Line("QmpClient monitor = _domain.EnterMonitor(job);");
                w.Line("await monitor.StopAsync(ct);");
                using (w.Block("if (_domain.ExitMonitor(job))"))
                {
                    w.Line("_domain.State = DomainRunState.Paused;");
                }

                w.Line("return true;");
            }
        }
    }

    private static void SlowJsonQmp(CodeWriter w, int k)
    {
        using (w.Block($"public async Task<string> Update{k}Async(string key, CancellationToken ct)"))
        {
            using (w.Block("await using (LockHandle slow = await _slow.LockAsync(ct))"))
            {
                w.Line("string text;");
                using (w.Block("using (LockHandle config = _json.Lock())"))
                {
                    w.Line($"text = key + \":{k}\";");
                    w.Line("_counts[text] = text.Length;");
                }

                w.Line("QmpStatus status = await _qmp.QueryStatusAsync(ct);");
                w.Line("return text + status.ToString();");
            }
        }
    }

    private static void TryFinally(CodeWriter w, int k)
    {
        using (w.Block($"public void Bump{k}(int by)"))
        {
            w.Line("LockHandle driver = _driverLock.Lock();");
            using (w.Block("try"))
            {
                w.Line("LockHandle vm = _vm.Lock();");
                using (w.Block("try"))
                {
                    w.Line($"_generation += by * {k % 13 + 1};");
                }

                using (w.Block("finally"))
                {
                    w.Line("_vm.Unlock(vm);");
                }
            }

            using (w.Block("finally"))
            {
                w.Line("_driverLock.Unlock(driver);");
            }
        }
    }

    private static void LookupThenQmp(CodeWriter w, int k)
    {
        using (w.Block($"public async Task<int> Probe{k}Async(string name, CancellationToken ct)"))
        {
            w.Line("Domain? found = _driver.Lookup(name);");
            using (w.Block("if (found is null)"))
            {
                w.Line($"return -{k};");
            }

            w.Line("QmpVersion version = await _qmp.QueryVersionAsync(ct);");
            using (w.Block("using (_vm.Lock())"))
            {
                w.Line($"_generation = version.GetHashCode() + {k};");
                w.Line("return _generation;");
            }
        }
    }

    private static void HelperUnderDriver(CodeWriter w, int k)
    {
        using (w.Block($"private void Touch{k}(string name)"))
        {
            using (w.Block("using (_vm.Lock())"))
            {
                w.Line("_counts[name] = _generation++;");
            }
        }

        w.Line();
        using (w.Block($"public void Sweep{k}(string first, string second)"))
        {
            using (w.Block("using (_driverLock.Lock())"))
            {
                w.Line($"Touch{k}(first);");
                w.Line($"Touch{k}(second);");
            }
        }
    }

    private static void LockInLoop(CodeWriter w, int k)
    {
        using (w.Block($"public int Count{k}(IReadOnlyList<string> names)"))
        {
            w.Line("int total = 0;");
            using (w.Block("foreach (string name in names)"))
            {
                using (w.Block("using (_vm.Lock())"))
                {
                    w.Line($"total += _counts.TryGetValue(name, out int n) ? n : {k % 5};");
                }
            }

            w.Line("return total;");
        }
    }
}
