using System.Text;
using System.Text.Json.Nodes;

namespace Hearth.Engine.Sampling;

/// <summary>One part of a <see cref="JsonSequenceConstraint"/>: exact text, or a JSON value valid against a schema.</summary>
public sealed class JsonSequencePart
{
    private JsonSequencePart(byte[]? text, JsonSchemaNode? schema)
    {
        Literal = text;
        Schema = schema;
    }

    internal byte[]? Literal { get; }

    internal JsonSchemaNode? Schema { get; }

    /// <summary>Exactly <paramref name="text"/> (an envelope's marker, like <c>&lt;/tool_call&gt;</c>).</summary>
    public static JsonSequencePart Text(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        return new JsonSequencePart(Encoding.UTF8.GetBytes(text), null);
    }

    /// <summary>One JSON value valid against <paramref name="schema"/> (leading whitespace allowed); throws
    /// <see cref="ArgumentException"/> naming what the schema compiler cannot use.</summary>
    public static JsonSequencePart Json(JsonNode schema) => new(null, JsonSchemaCompiler.Compile(schema));
}

/// <summary>
/// Text made of parts in order: literal markers and schema-valid JSON values, as tool-call envelopes are
/// (<c>{json}\n&lt;/tool_call&gt;</c>). With a <c>repeat</c> separator, a complete text may go on with the separator and
/// the parts again (parallel tool calls), so <see cref="ContinuesAfterComplete"/> is true. A value that cannot take a
/// byte but is complete hands it to the next part, as a number ends at the text after it.
/// </summary>
public sealed class JsonSequenceConstraint : IJsonConstraint
{
    private readonly IReadOnlyList<JsonSequencePart> parts;
    private readonly byte[]? repeat;
    private State state;

    public JsonSequenceConstraint(IReadOnlyList<JsonSequencePart> parts, string? repeat = null)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentOutOfRangeException.ThrowIfZero(parts.Count);
        this.parts = parts;
        this.repeat = string.IsNullOrEmpty(repeat) ? null : Encoding.UTF8.GetBytes(repeat);
        state = Enter(0);
    }

    public bool IsComplete => Done(state);

    public bool ContinuesAfterComplete => repeat is not null;

    public bool Accepts(ReadOnlySpan<byte> bytes) => Run(bytes, out _);

    public bool TryAppend(ReadOnlySpan<byte> bytes)
    {
        if (!Run(bytes, out var next))
        {
            return false;
        }

        state = next;
        return true;
    }

    /// <summary>Where the text is: <see cref="Part"/> (== parts.Count after the last one), bytes of a literal or the
    /// separator matched (<see cref="Position"/>), the value's matcher once it has begun, leading whitespace run.</summary>
    private readonly record struct State(int Part, int Position, JsonSchemaMatcher? Matcher, int Whitespace, bool InRepeat);

    private State Enter(int part) => new(part, 0, null, 0, false);

    private bool Done(State s) =>
        !s.InRepeat && (s.Part == parts.Count || (s.Part == parts.Count - 1 && parts[s.Part].Schema is not null && s.Matcher is { CanEnd: true }));

    private bool Run(ReadOnlySpan<byte> bytes, out State s)
    {
        s = state;
        foreach (var c in bytes)
        {
            if (Step(s, c) is not { } next)
            {
                return false;
            }

            s = next;
        }

        return true;
    }

    private State? Step(State s, byte c)
    {
        while (true)
        {
            if (s.InRepeat)
            {
                return repeat![s.Position] != c ? null : s.Position + 1 == repeat.Length ? Enter(0) : s with { Position = s.Position + 1 };
            }

            if (s.Part == parts.Count)
            {
                return repeat is null || repeat[0] != c ? null : repeat.Length == 1 ? Enter(0) : new State(s.Part, 1, null, 0, true);
            }

            var part = parts[s.Part];
            if (part.Literal is { } text)
            {
                return text[s.Position] != c ? null : s.Position + 1 == text.Length ? Enter(s.Part + 1) : s with { Position = s.Position + 1 };
            }

            if (s.Matcher is null)
            {
                if (JsonSchemaMatcher.IsWhitespace(c))
                {
                    var run = s.Whitespace;
                    return JsonSchemaMatcher.MoreWhitespace(ref run) ? s with { Whitespace = run } : null;
                }

                return JsonSchemaMatcher.Start(part.Schema!).Step(c) is { } first ? s with { Matcher = first } : null;
            }

            if (s.Matcher.Step(c) is { } stepped)
            {
                return s with { Matcher = stepped };
            }

            if (!s.Matcher.CanEnd)
            {
                return null;
            }

            s = Enter(s.Part + 1);
        }
    }
}

/// <summary>Any one of several constraints (a call of one of several functions whose name comes before its JSON):
/// the text must stay a prefix of at least one of them.</summary>
public sealed class JsonAlternativesConstraint : IJsonConstraint
{
    private List<IJsonConstraint> live;

    public JsonAlternativesConstraint(IEnumerable<IJsonConstraint> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        live = [.. options];
        ArgumentOutOfRangeException.ThrowIfZero(live.Count);
    }

    public bool IsComplete => live.Any(o => o.IsComplete);

    public bool ContinuesAfterComplete => live.Any(o => o.ContinuesAfterComplete);

    public bool Accepts(ReadOnlySpan<byte> bytes)
    {
        foreach (var option in live)
        {
            if (option.Accepts(bytes))
            {
                return true;
            }
        }

        return false;
    }

    public bool TryAppend(ReadOnlySpan<byte> bytes)
    {
        var kept = new List<IJsonConstraint>(live.Count);
        foreach (var option in live)
        {
            // A failed append leaves an option unchanged; it is dropped as no longer possible.
            if (option.TryAppend(bytes))
            {
                kept.Add(option);
            }
        }

        if (kept.Count == 0)
        {
            return false;
        }

        live = kept;
        return true;
    }
}
