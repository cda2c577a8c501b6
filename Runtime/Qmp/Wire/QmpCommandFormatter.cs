using System.Buffers;
using System.Text.Json;

namespace Toolstack.Runtime;

/// <summary>Writes one command line: <c>{"execute": ..., "arguments": {...}, "id": ...}\n</c>.</summary>
internal static class QmpCommandFormatter
{
    internal static byte[] Format(string command, JsonElement? arguments, string id)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("execute", command);
            if (arguments is JsonElement args)
            {
                writer.WritePropertyName("arguments");
                args.WriteTo(writer);
            }

            writer.WriteString("id", id);
            writer.WriteEndObject();
        }

        byte[] line = new byte[buffer.WrittenCount + 1];
        buffer.WrittenSpan.CopyTo(line);
        line[^1] = (byte)'\n';
        return line;
    }
}
