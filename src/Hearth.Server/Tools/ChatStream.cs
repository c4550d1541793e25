using System.Text;

namespace Hearth.Server.Tools;

/// <summary>What one step of a streamed answer adds: text for content or reasoning, or to a tool call (its header,
/// <see cref="Id"/> and <see cref="Name"/>, the first time; then arguments as they are generated).</summary>
internal sealed record ChatStreamDelta(string? Content = null, string? Reasoning = null, int Index = -1, string? Id = null, string? Name = null, string? Arguments = null)
{
    public bool IsCall => Index >= 0;
}

/// <summary>
/// Streams an assistant turn: after each piece of text it parses everything so far (<see cref="ChatOutputParser"/>,
/// partial) and emits only what grew since the last time: new content, new reasoning, a call's header once its name is
/// complete, and its arguments as they grow. Text that might still be a marker is held back by the parser, so no
/// tool-call text reaches content; if the final parse finds the call invalid, the held text comes out as content.
/// </summary>
internal sealed class ChatStream(ChatOutputParser parser)
{
    private readonly StringBuilder text = new();
    private readonly List<(string Id, string Arguments)> calls = [];
    private string content = string.Empty;
    private string reasoning = string.Empty;

    // Once text without tools is known not to open a think block, every later piece is content as it comes
    // (no reparsing of the whole text per token).
    private bool plain = parser.IsPlain;

    /// <summary>The latest partial parse (calls so far, the last maybe still growing).</summary>
    public ChatOutput Current { get; private set; } = new(string.Empty, string.Empty, []);

    /// <summary>The final parse (after <see cref="Finish"/>).</summary>
    public ChatOutput? Final { get; private set; }

    /// <summary>Ids given to the calls streamed so far, in order.</summary>
    public IReadOnlyList<string> CallIds => calls.Select(c => c.Id).ToList();

    public IReadOnlyList<ChatStreamDelta> Push(string piece)
    {
        if (piece.Length == 0)
        {
            return [];
        }

        text.Append(piece);
        if (plain)
        {
            content += piece;
            return [new ChatStreamDelta(Content: piece)];
        }

        var output = parser.Parse(text.ToString(), partial: true);
        Current = output;
        plain = parser.Format is null && output.Reasoning.Length == 0 && output.Content.Length > 0 && !parser.StartsInReasoning;
        return Diff(output);
    }

    public IReadOnlyList<ChatStreamDelta> Finish()
    {
        Final = parser.Parse(text.ToString(), partial: false);
        return Diff(Final);
    }

    private List<ChatStreamDelta> Diff(ChatOutput output)
    {
        var deltas = new List<ChatStreamDelta>();
        if (Grown(ref reasoning, output.Reasoning) is { } r)
        {
            deltas.Add(new ChatStreamDelta(Reasoning: r));
        }

        if (Grown(ref content, output.Content) is { } c)
        {
            deltas.Add(new ChatStreamDelta(Content: c));
        }

        for (var i = 0; i < output.Calls.Count; i++)
        {
            var call = output.Calls[i];
            if (i == calls.Count)
            {
                var id = call.Id ?? parser.Format!.NewCallId();
                calls.Add((id, call.Arguments));
                deltas.Add(new ChatStreamDelta(Index: i, Id: id, Name: call.Name, Arguments: call.Arguments));
            }
            else if (call.Arguments.Length > calls[i].Arguments.Length && call.Arguments.StartsWith(calls[i].Arguments, StringComparison.Ordinal))
            {
                deltas.Add(new ChatStreamDelta(Index: i, Arguments: call.Arguments[calls[i].Arguments.Length..]));
                calls[i] = (calls[i].Id, call.Arguments);
            }
        }

        return deltas;
    }

    /// <summary>The part of <paramref name="now"/> beyond what was sent, when it extends it.</summary>
    private static string? Grown(ref string sent, string now)
    {
        if (now.Length <= sent.Length || !now.StartsWith(sent, StringComparison.Ordinal))
        {
            return null;
        }

        var delta = now[sent.Length..];
        sent = now;
        return delta;
    }
}
