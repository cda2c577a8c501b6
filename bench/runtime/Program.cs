using System;
using BenchmarkDotNet.Running;

namespace Toolstack.Bench.Runtime;

/// <summary>Runs the runtime benchmarks; arguments (e.g. <c>--filter *Lock*</c>) go to BenchmarkDotNet.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // `--loop jsonlock|cminimal|cfull|domainlock-on N`: the bare loop, no harness, for strace -c or dotnet-trace.
        if (args is ["--loop", string what, string count])
        {
            return ProfileLoop.Run(what, int.Parse(count, System.Globalization.CultureInfo.InvariantCulture));
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchConfig.Create());
        return 0;
    }
}
