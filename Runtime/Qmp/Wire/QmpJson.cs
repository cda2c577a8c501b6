using System;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Toolstack.Runtime;

/// <summary>Small readers for QMP's JSON: required members fail as <see cref="QmpProtocolException"/>.</summary>
internal static class QmpJson
{
    internal static readonly JsonElement EmptyObject = Parse("{}");

    internal static readonly JsonSerializerOptions SerializerOptions = new()
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    internal static JsonElement Parse(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    internal static JsonElement Required(JsonElement obj, string name, JsonValueKind kind)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out JsonElement value))
        {
            throw new QmpProtocolException($"expected a member \"{name}\" in {Snippet(obj)}");
        }

        if (value.ValueKind != kind)
        {
            throw new QmpProtocolException($"expected \"{name}\" to be {kind}, got {Snippet(value)}");
        }

        return value;
    }

    internal static int RequiredInt32(JsonElement obj, string name)
    {
        JsonElement value = Required(obj, name, JsonValueKind.Number);
        return value.TryGetInt32(out int n) ? n : throw new QmpProtocolException($"\"{name}\" is not a 32-bit integer: {Snippet(value)}");
    }

    internal static string RequiredString(JsonElement obj, string name) => Required(obj, name, JsonValueKind.String).GetString()!;

    internal static bool RequiredBoolean(JsonElement obj, string name)
    {
        if (obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out JsonElement value) &&
            (value.ValueKind == JsonValueKind.True || value.ValueKind == JsonValueKind.False))
        {
            return value.GetBoolean();
        }

        throw new QmpProtocolException($"expected a boolean \"{name}\" in {Snippet(obj)}");
    }

    internal static string? OptionalString(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    internal static bool? OptionalBoolean(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out JsonElement value) &&
        (value.ValueKind == JsonValueKind.True || value.ValueKind == JsonValueKind.False)
            ? value.GetBoolean()
            : null;

    internal static JsonElement RequiredArray(JsonElement value, string what) =>
        value.ValueKind == JsonValueKind.Array ? value : throw new QmpProtocolException($"expected {what} to be an array, got {Snippet(value)}");

    /// <summary>The start of a value's JSON text, for messages.</summary>
    internal static string Snippet(JsonElement value)
    {
        string text = value.ValueKind == JsonValueKind.Undefined ? "(nothing)" : value.GetRawText();
        return text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 200), "...");
    }

    /// <summary>
    /// Turns command arguments into a JSON object element: null stays null; a
    /// <see cref="JsonElement"/> or <see cref="JsonNode"/> is taken as is; anything else is
    /// serialised with System.Text.Json (public properties, nulls omitted).
    /// </summary>
    internal static JsonElement? ToArgumentsObject(object? arguments, string parameterName)
    {
        JsonElement element;
        switch (arguments)
        {
            case null:
                return null;
            case JsonElement e:
                element = e;
                break;
            case JsonNode node:
                element = JsonSerializer.SerializeToElement(node, SerializerOptions);
                break;
            default:
                element = JsonSerializer.SerializeToElement(arguments, arguments.GetType(), SerializerOptions);
                break;
        }

        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"QMP arguments must serialise to a JSON object, not {element.ValueKind}.", parameterName);
        }

        return element;
    }

    /// <summary>A new object holding <paramref name="fixedMembers"/> and then every member of <paramref name="extra"/>.</summary>
    internal static JsonObject Merge(JsonObject fixedMembers, object? extra, string parameterName)
    {
        if (ToArgumentsObject(extra, parameterName) is JsonElement more)
        {
            foreach (JsonProperty property in more.EnumerateObject())
            {
                if (fixedMembers.ContainsKey(property.Name))
                {
                    throw new ArgumentException($"\"{property.Name}\" is set by its own parameter; do not repeat it in {parameterName}.", parameterName);
                }

                fixedMembers[property.Name] = JsonNode.Parse(property.Value.GetRawText());
            }
        }

        return fixedMembers;
    }
}
