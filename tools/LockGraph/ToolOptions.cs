using System;
using System.Diagnostics.CodeAnalysis;
using System.IO;

namespace Toolstack.LockGraph;

/// <summary>The command line, parsed.</summary>
/// <param name="Input">A .csproj, .sln or .slnx.</param>
/// <param name="Output">Where the drawing goes; the summary always goes to the console.</param>
/// <param name="Observed">A JSON dump of the runtime validator's observed edges to draw beside the static ones.</param>
/// <param name="IncludeReferences">Draw the project's project references too (a sample whose locking lives in the runtime).</param>
internal sealed record ToolOptions(string Input, OutputFormat Format, string Output, string? Observed, bool ShowHelp,
    bool IncludeReferences = false)
{
    public const string Usage =
        "usage: toolstack-lockgraph PROJECT.csproj|SOLUTION.sln [--format html|dot|json] [-o FILE] [--observed EDGES.json] [--include-references]\n"
        + "  writes lockgraph.html (or .dot/.json) and prints a plain-text summary";

    public static bool TryParse(string[] args, [NotNullWhen(true)] out ToolOptions? options, [NotNullWhen(false)] out string? error)
    {
        options = null;
        error = null;
        string? input = null;
        string? output = null;
        string? observed = null;
        OutputFormat format = OutputFormat.Html;
        bool includeReferences = false;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help")
            {
                options = new ToolOptions("", format, "", null, ShowHelp: true);
                return true;
            }

            if (arg is "--include-references")
            {
                includeReferences = true;
                continue;
            }

            if (arg is "--format" or "-f" or "-o" or "--output" or "--observed")
            {
                if (i + 1 >= args.Length)
                {
                    error = $"{arg} needs a value";
                    return false;
                }

                string value = args[++i];
                if (arg is "-o" or "--output")
                {
                    output = value;
                }
                else if (arg is "--observed")
                {
                    observed = value;
                }
                else if (!Enum.TryParse(value, ignoreCase: true, out format) || !Enum.IsDefined(format))
                {
                    error = $"unknown format '{value}' (html, dot or json)";
                    return false;
                }
            }
            else if (arg.StartsWith('-'))
            {
                error = $"unknown option '{arg}'";
                return false;
            }
            else if (input is null)
            {
                input = arg;
            }
            else
            {
                error = $"one project or solution only ('{input}', then '{arg}')";
                return false;
            }
        }

        if (input is null)
        {
            error = "no project or solution given";
            return false;
        }

        output ??= "lockgraph." + format.ToString().ToLowerInvariant();
        options = new ToolOptions(Path.GetFullPath(input), format, output, observed, ShowHelp: false, includeReferences);
        return true;
    }
}
