using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace Toolstack.Runtime;

/// <summary>
/// Writes observed lock orders in the lock-graph JSON schema (<c>toolstack-lockgraph/1</c>, see
/// docs/lockgraph.md), so <c>toolstack-lockgraph --observed FILE</c> draws them beside the
/// static edges. Node ids are the lock types' full names, as the tool names them.
/// </summary>
public static class ObservedEdgesWriter
{
    /// <summary>The schema name the tool checks.</summary>
    public const string Schema = "toolstack-lockgraph/1";

    /// <summary>Writes <paramref name="edges"/> (and the locks they join) to <paramref name="stream"/>.</summary>
    public static void Write(IReadOnlyList<ObservedLockEdge> edges, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(edges);
        ArgumentNullException.ThrowIfNull(stream);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("schema", Schema);
        json.WriteStartArray("nodes");
        var nodes = edges.Select(edge => (Id: edge.Held, Level: edge.HeldLevel))
            .Concat(edges.Select(edge => (Id: edge.Taken, Level: edge.TakenLevel)))
            .Distinct()
            .OrderBy(node => node.Level).ThenBy(node => node.Id, StringComparer.Ordinal);
        foreach ((string id, int level) in nodes)
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("name", id.Substring(id.LastIndexOfAny(['.', '+']) + 1));
            json.WriteNumber("level", level);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("edges");
        foreach (ObservedLockEdge edge in edges)
        {
            json.WriteStartObject();
            json.WriteString("from", edge.Held);
            json.WriteString("to", edge.Taken);
            json.WriteString("source", "observed");
            json.WriteNumber("count", edge.Count);
            json.WriteBoolean("againstHierarchy", edge.AgainstHierarchy);
            json.WriteStartArray("locations");
            json.WriteStartObject();
            json.WriteString("file", "");
            json.WriteNumber("line", 0);
            json.WriteNumber("column", 0);
            json.WriteString("detail", "first seen at " + edge.FirstSite);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Writes <paramref name="edges"/> to the file <paramref name="path"/>, replacing it.</summary>
    public static void WriteFile(IReadOnlyList<ObservedLockEdge> edges, string path)
    {
        using FileStream file = File.Create(path);
        Write(edges, file);
    }
}
