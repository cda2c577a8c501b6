using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace Toolstack.Bench.Runtime;

/// <summary>Runs the runtime benchmarks; arguments (e.g. <c>--filter *Lock*</c>) go to BenchmarkDotNet.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchConfig.Create());
        return 0;
    }
}
