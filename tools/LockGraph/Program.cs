using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Build.Locator;

namespace Toolstack.LockGraph;

/// <summary><c>toolstack-lockgraph PROJECT|SOLUTION [--format html|dot|json] [-o FILE] [--observed FILE]</c>.</summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        if (!ToolOptions.TryParse(args, out ToolOptions? options, out string? error))
        {
            Console.Error.WriteLine(error);
            Console.Error.WriteLine(ToolOptions.Usage);
            return 2;
        }

        if (options.ShowHelp)
        {
            Console.WriteLine(ToolOptions.Usage);
            return 0;
        }

        MSBuildLocator.RegisterDefaults();
        return await Runner.RunAsync(options, Console.Out, Console.Error).ConfigureAwait(false);
    }
}
