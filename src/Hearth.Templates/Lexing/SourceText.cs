namespace Hearth.Templates.Lexing;

/// <summary>The normalized template source plus a position-to-(line, column) map for error messages.</summary>
internal sealed class SourceText
{
    private readonly int[] _lineStarts;

    public SourceText(string source)
    {
        // Jinja normalizes every newline sequence to "\n" and, with keep_trailing_newline=False (the
        // default, also what HF transformers and llama.cpp use), drops one trailing newline of the source.
        var text = source.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        if (text.EndsWith('\n'))
        {
            text = text[..^1];
        }

        Text = text;
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        _lineStarts = [.. starts];
    }

    public string Text { get; }

    public (int Line, int Column) Locate(int position)
    {
        var index = Array.BinarySearch(_lineStarts, position);
        if (index < 0)
        {
            index = ~index - 1;
        }

        return (index + 1, position - _lineStarts[index] + 1);
    }

    public TemplateSyntaxException Error(int position, string reason)
    {
        var (line, column) = Locate(position);
        return new TemplateSyntaxException(reason, line, column);
    }
}
