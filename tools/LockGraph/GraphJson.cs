using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text.Json;
using Toolstack.Analyzers.Graph;
using Graph = Toolstack.Analyzers.Graph.LockGraph;

namespace Toolstack.LockGraph;

/// <summary>
/// The JSON form of a lock graph, schema <see cref="Schema"/>; the runtime validator writes its
/// observed edges in the same schema (docs/lockgraph.md), and <see cref="Read"/> takes either.
/// </summary>
internal static class GraphJson
{
    public const string Schema = "toolstack-lockgraph/1";

    public static void Write(Graph graph, Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("schema", Schema);
        json.WriteStartArray("nodes");
        foreach (GraphNode node in graph.Nodes)
        {
            json.WriteStartObject();
            json.WriteString("id", node.Id);
            json.WriteString("name", node.Name);
            if (node.Level is { } level)
            {
                json.WriteNumber("level", level);
            }
            else
            {
                json.WriteNull("level");
            }

            json.WriteBoolean("slow", node.IsSlow);
            json.WriteBoolean("forbidsBlocking", node.ForbidsBlocking);
            json.WriteString("origin", Camel(node.Origin.ToString()));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("edges");
        foreach (GraphEdge edge in graph.Edges)
        {
            json.WriteStartObject();
            json.WriteString("from", edge.From);
            json.WriteString("to", edge.To);
            json.WriteString("source", Camel(edge.Source.ToString()));
            json.WriteNumber("count", edge.Count);
            json.WriteBoolean("againstHierarchy", edge.AgainstHierarchy);
            WriteSpots(json, "locations", edge.Locations);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("marks");
        foreach (GraphMark mark in graph.Marks)
        {
            json.WriteStartObject();
            json.WriteString("lock", mark.Lock);
            json.WriteString("kind", Camel(mark.Kind.ToString()));
            json.WriteNumber("count", mark.Count);
            json.WriteBoolean("forbidden", mark.Forbidden);
            WriteSpots(json, "locations", mark.Locations);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("findings");
        foreach (GraphFinding finding in graph.Findings)
        {
            json.WriteStartObject();
            json.WriteString("id", finding.Id);
            json.WriteString("message", finding.Message);
            json.WritePropertyName("location");
            WriteSpot(json, finding.Where);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Reads a graph in this schema; absent arrays are empty (the runtime's dump has no marks or findings).</summary>
    /// <exception cref="InvalidDataException">Not this schema.</exception>
    public static Graph Read(Stream stream)
    {
        using JsonDocument document = JsonDocument.Parse(stream);
        JsonElement root = document.RootElement;
        if (!root.TryGetProperty("schema", out JsonElement schema) || schema.GetString() != Schema)
        {
            throw new InvalidDataException($"not a lock graph: expected \"schema\": \"{Schema}\"");
        }

        ImmutableArray<GraphNode> nodes = Items(root, "nodes").Select(node => new GraphNode(
            node.GetProperty("id").GetString() ?? "",
            node.TryGetProperty("name", out JsonElement name) ? name.GetString() ?? "" : "",
            node.TryGetProperty("level", out JsonElement level) && level.ValueKind == JsonValueKind.Number ? level.GetInt32() : null,
            Flag(node, "slow"),
            Flag(node, "forbidsBlocking"),
            Enum.Parse<NodeOrigin>(node.TryGetProperty("origin", out JsonElement origin) ? origin.GetString() ?? "lockType" : "lockType",
                ignoreCase: true))).ToImmutableArray();
        ImmutableArray<GraphEdge> edges = Items(root, "edges").Select(edge => new GraphEdge(
            edge.GetProperty("from").GetString() ?? "",
            edge.GetProperty("to").GetString() ?? "",
            Enum.Parse<EdgeSource>(edge.GetProperty("source").GetString() ?? "", ignoreCase: true),
            (int)Math.Min(int.MaxValue, edge.GetProperty("count").GetInt64()),
            Flag(edge, "againstHierarchy"),
            Spots(edge))).ToImmutableArray();
        ImmutableArray<GraphMark> marks = Items(root, "marks").Select(mark => new GraphMark(
            mark.GetProperty("lock").GetString() ?? "",
            Enum.Parse<MarkKind>(mark.GetProperty("kind").GetString() ?? "", ignoreCase: true),
            mark.GetProperty("count").GetInt32(),
            Flag(mark, "forbidden"),
            Spots(mark))).ToImmutableArray();
        ImmutableArray<GraphFinding> findings = Items(root, "findings").Select(finding => new GraphFinding(
            finding.GetProperty("id").GetString() ?? "",
            finding.GetProperty("message").GetString() ?? "",
            ReadSpot(finding.GetProperty("location")))).ToImmutableArray();
        return new Graph(nodes, edges, marks, findings);
    }

    private static System.Collections.Generic.IEnumerable<JsonElement> Items(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().ToArray()
            : Array.Empty<JsonElement>();

    private static bool Flag(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.True;

    private static ImmutableArray<SourceSpot> Spots(JsonElement element) =>
        Items(element, "locations").Select(ReadSpot).ToImmutableArray();

    private static SourceSpot ReadSpot(JsonElement spot) => new SourceSpot(
        spot.TryGetProperty("file", out JsonElement file) ? file.GetString() ?? "" : "",
        spot.TryGetProperty("line", out JsonElement line) ? line.GetInt32() : 0,
        spot.TryGetProperty("column", out JsonElement column) ? column.GetInt32() : 0,
        spot.TryGetProperty("detail", out JsonElement detail) ? detail.GetString() ?? "" : "");

    private static void WriteSpots(Utf8JsonWriter json, string name, ImmutableArray<SourceSpot> spots)
    {
        json.WriteStartArray(name);
        foreach (SourceSpot spot in spots)
        {
            WriteSpot(json, spot);
        }

        json.WriteEndArray();
    }

    private static void WriteSpot(Utf8JsonWriter json, SourceSpot spot)
    {
        json.WriteStartObject();
        json.WriteString("file", spot.File);
        json.WriteNumber("line", spot.Line);
        json.WriteNumber("column", spot.Column);
        json.WriteString("detail", spot.Detail);
        json.WriteEndObject();
    }

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name.Substring(1);
}
