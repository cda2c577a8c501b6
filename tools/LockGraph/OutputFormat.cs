namespace Toolstack.LockGraph;

/// <summary>What the tool writes to its output file.</summary>
internal enum OutputFormat
{
    /// <summary>One self-contained page with an inline SVG drawing.</summary>
    Html,

    /// <summary>Graphviz.</summary>
    Dot,

    /// <summary>The schema the runtime validator's dump of observed edges uses too.</summary>
    Json,
}
