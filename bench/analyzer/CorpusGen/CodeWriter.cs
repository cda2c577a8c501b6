using System.Text;

namespace Toolstack.Bench.CorpusGen;

/// <summary>Indented C# text with a line count, so the generator can report the corpus size.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public int Lines { get; private set; }

    public void Line(string line = "")
    {
        if (line.Length > 0)
        {
            _text.Append(' ', _indent * 4);
        }

        _text.Append(line).Append('\n');
        Lines++;
    }

    /// <summary>Writes <paramref name="header"/> and "{", indents; dispose writes "}".</summary>
    public Scope Block(string header)
    {
        Line(header);
        Line("{");
        _indent++;
        return new Scope(this);
    }

    public override string ToString() => _text.ToString();

    internal readonly struct Scope : System.IDisposable
    {
        private readonly CodeWriter _writer;

        public Scope(CodeWriter writer) => _writer = writer;

        public void Dispose()
        {
            _writer._indent--;
            _writer.Line("}");
        }
    }
}
