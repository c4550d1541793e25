namespace Hearth.Engine.Sampling;

/// <summary>
/// Immutable matching state of one JSON value against a compiled schema, byte by byte: <see cref="Step"/> gives the
/// state after a byte, or null when the byte cannot come next. Containers hold their current child; a child that
/// cannot take a byte but is complete (<see cref="CanEnd"/>) hands the byte back to its container (how a number ends
/// at the comma after it). Unions step every option, so ambiguous schemas (two object shapes) are matched exactly.
/// </summary>
internal abstract class JsonSchemaMatcher
{
    public abstract bool CanEnd { get; }

    public abstract JsonSchemaMatcher? Step(byte c);

    /// <summary>The state before a value of <paramref name="node"/>: expecting its first byte.</summary>
    public static JsonSchemaMatcher Start(JsonSchemaNode node) => node switch
    {
        JsonSchemaNode.ObjectNode o => new ObjectMatcher(o, ObjectPhase.Open, 0, -1, null, null, 0),
        JsonSchemaNode.MapNode m => new MapMatcher(m, ObjectPhase.Open, null, 0),
        JsonSchemaNode.ArrayNode a => new ArrayMatcher(a, ArrayMatcher.Phase.Open, 0, null, 0),
        JsonSchemaNode.StringNode str => str.MinLength == 0 && str.MaxLength == int.MaxValue ? StringMatcher.Open : StringMatcher.Bounded(str.MinLength, str.MaxLength),
        JsonSchemaNode.NumberNode n => new NumberMatcher(n.Integer, JsonNumber.State.Start),
        JsonSchemaNode.LiteralsNode l => Union.Of(l.Texts.Select(t => (JsonSchemaMatcher)new TextMatcher(t, 0)).ToList()),
        JsonSchemaNode.UnionNode u => Union.Of(u.Options.Select(Start).ToList()),
        _ => Union.Of(
        [
            Start(AnyMap),
            Start(AnyArray),
            StringMatcher.Open,
            new NumberMatcher(integer: false, JsonNumber.State.Start),
            Start(Constants),
        ]),
    };

    private static readonly JsonSchemaNode AnyMap = new JsonSchemaNode.MapNode(JsonSchemaNode.Any);
    private static readonly JsonSchemaNode AnyArray = new JsonSchemaNode.ArrayNode(JsonSchemaNode.Any, 0, int.MaxValue);
    private static readonly JsonSchemaNode Constants = new JsonSchemaNode.LiteralsNode(["true"u8.ToArray(), "false"u8.ToArray(), "null"u8.ToArray()]);

    internal static bool IsWhitespace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    /// <summary>A whitespace byte in a structural position: allowed up to the run cap (see <see cref="JsonPrefix.MaxWhitespaceRun"/>).</summary>
    internal static bool MoreWhitespace(ref int run) => ++run <= JsonPrefix.MaxWhitespaceRun;

    private sealed class Union(IReadOnlyList<JsonSchemaMatcher> options) : JsonSchemaMatcher
    {
        public static JsonSchemaMatcher Of(List<JsonSchemaMatcher> options) => options.Count == 1 ? options[0] : new Union(options);

        public override bool CanEnd => options.Any(o => o.CanEnd);

        public override JsonSchemaMatcher? Step(byte c)
        {
            List<JsonSchemaMatcher>? next = null;
            foreach (var option in options)
            {
                if (option.Step(c) is { } stepped)
                {
                    (next ??= []).Add(stepped);
                }
            }

            return next is null ? null : Of(next);
        }
    }

    /// <summary>Exactly these bytes (a literal, an enum member, an object key with its quotes).</summary>
    private sealed class TextMatcher(byte[] text, int position) : JsonSchemaMatcher
    {
        public override bool CanEnd => position == text.Length;

        public override JsonSchemaMatcher? Step(byte c) =>
            position < text.Length && text[position] == c ? new TextMatcher(text, position + 1) : null;
    }

    /// <summary>A string; with <c>minLength</c>/<c>maxLength</c> its characters are counted (a UTF-8 character by its
    /// lead byte, an escape as one).</summary>
    private sealed class StringMatcher(int mode, int length, int minLength, int maxLength) : JsonSchemaMatcher
    {
        // mode: 0 before the opening quote, 1 inside, 2 after a backslash, 3..6 hex digits of \u left + 2, 7 closed.
        public static readonly StringMatcher Open = new(0, 0, 0, int.MaxValue);

        public static StringMatcher Bounded(int minLength, int maxLength) => new(0, 0, minLength, maxLength);

        public override bool CanEnd => mode == 7;

        public override JsonSchemaMatcher? Step(byte c) => mode switch
        {
            0 => c == (byte)'"' ? With(1, 0) : null,
            1 => Inside(c),
            2 => c == (byte)'u' ? With(6, length) : c is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t' ? With(1, length) : null,
            >= 3 and <= 6 => IsHex(c) ? With(mode == 3 ? 1 : mode - 1, length) : null,
            _ => null,
        };

        private StringMatcher? Inside(byte c)
        {
            if (c == (byte)'"')
            {
                return length >= minLength ? With(7, length) : null;
            }

            if (c < 0x20)
            {
                return null; // control characters must be escaped
            }

            // UTF-8 continuation bytes (10xxxxxx) continue the character their lead byte counted.
            if (c is >= 0x80 and <= 0xBF)
            {
                return With(1, length);
            }

            // Unbounded strings do not count, so that they step without allocating.
            var counted = minLength == 0 && maxLength == int.MaxValue ? 0 : length + 1;
            return length < maxLength ? With(c == (byte)'\\' ? 2 : 1, counted) : null;
        }

        private StringMatcher With(int nextMode, int nextLength) =>
            nextMode == mode && nextLength == length ? this : new StringMatcher(nextMode, nextLength, minLength, maxLength);

        private static bool IsHex(byte c) => c is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';
    }

    private sealed class NumberMatcher(bool integer, JsonNumber.State state) : JsonSchemaMatcher
    {
        public override bool CanEnd => JsonNumber.IsComplete(state);

        public override JsonSchemaMatcher? Step(byte c) =>
            JsonNumber.Next(state, c, integer) is { } next ? new NumberMatcher(integer, next) : null;
    }

    private sealed class ArrayMatcher(JsonSchemaNode.ArrayNode node, ArrayMatcher.Phase phase, int count, JsonSchemaMatcher? child, int whitespace) : JsonSchemaMatcher
    {
        internal enum Phase
        {
            Open,
            First,
            Item,
            Child,
            AfterItem,
            Closed,
        }

        public override bool CanEnd => phase == Phase.Closed;

        public override JsonSchemaMatcher? Step(byte c)
        {
            if (phase == Phase.Child)
            {
                if (child!.Step(c) is { } stepped)
                {
                    return new ArrayMatcher(node, Phase.Child, count, stepped, 0);
                }

                return child.CanEnd ? new ArrayMatcher(node, Phase.AfterItem, count + 1, null, 0).Step(c) : null;
            }

            if (phase is Phase.Open or Phase.Closed)
            {
                return phase == Phase.Open && c == (byte)'[' ? new ArrayMatcher(node, Phase.First, 0, null, 0) : null;
            }

            if (IsWhitespace(c))
            {
                var run = whitespace;
                return MoreWhitespace(ref run) ? new ArrayMatcher(node, phase, count, null, run) : null;
            }

            switch (phase)
            {
                case Phase.AfterItem when c == (byte)',':
                    return count < node.MaxItems ? new ArrayMatcher(node, Phase.Item, count, null, 0) : null;
                case Phase.AfterItem or Phase.First when c == (byte)']':
                    return count >= node.MinItems ? new ArrayMatcher(node, Phase.Closed, count, null, 0) : null;
                case Phase.First or Phase.Item:
                    if (count >= node.MaxItems)
                    {
                        return null;
                    }

                    return Start(node.Items).Step(c) is { } first ? new ArrayMatcher(node, Phase.Child, count, first, 0) : null;
                default:
                    return null;
            }
        }
    }

    /// <summary>Where an object matcher is: the same steps whether its keys are named or free.</summary>
    internal enum ObjectPhase
    {
        Open,
        First,
        Key,
        InKey,
        Colon,
        Value,
        Child,
        AfterValue,
        Closed,
    }

    /// <summary>An object with any keys (values all of one schema).</summary>
    private sealed class MapMatcher(JsonSchemaNode.MapNode node, ObjectPhase phase, JsonSchemaMatcher? child, int whitespace) : JsonSchemaMatcher
    {
        public override bool CanEnd => phase == ObjectPhase.Closed;

        public override JsonSchemaMatcher? Step(byte c)
        {
            if (phase is ObjectPhase.InKey or ObjectPhase.Child)
            {
                if (child!.Step(c) is { } stepped)
                {
                    return new MapMatcher(node, phase, stepped, 0);
                }

                if (!child.CanEnd)
                {
                    return null;
                }

                return new MapMatcher(node, phase == ObjectPhase.InKey ? ObjectPhase.Colon : ObjectPhase.AfterValue, null, 0).Step(c);
            }

            if (phase is ObjectPhase.Open or ObjectPhase.Closed)
            {
                return phase == ObjectPhase.Open && c == (byte)'{' ? new MapMatcher(node, ObjectPhase.First, null, 0) : null;
            }

            if (IsWhitespace(c))
            {
                var run = whitespace;
                return MoreWhitespace(ref run) ? new MapMatcher(node, phase, null, run) : null;
            }

            return phase switch
            {
                ObjectPhase.First or ObjectPhase.Key when c == (byte)'"' => new MapMatcher(node, ObjectPhase.InKey, StringMatcher.Open.Step(c), 0),
                ObjectPhase.First or ObjectPhase.AfterValue when c == (byte)'}' => new MapMatcher(node, ObjectPhase.Closed, null, 0),
                ObjectPhase.Colon when c == (byte)':' => new MapMatcher(node, ObjectPhase.Value, null, 0),
                ObjectPhase.Value => Start(node.Values).Step(c) is { } first ? new MapMatcher(node, ObjectPhase.Child, first, 0) : null,
                ObjectPhase.AfterValue when c == (byte)',' => new MapMatcher(node, ObjectPhase.Key, null, 0),
                _ => null,
            };
        }
    }

    /// <summary>
    /// An object with named properties, written in the schema's order: a key may skip optional properties but never a
    /// required one, and the object may close once every required property is written.
    /// </summary>
    private sealed class ObjectMatcher(
        JsonSchemaNode.ObjectNode node, ObjectPhase phase, int next, int property, JsonSchemaMatcher? child, int[]? candidates, int whitespace)
        : JsonSchemaMatcher
    {
        public override bool CanEnd => phase == ObjectPhase.Closed;

        /// <summary>No required property is left at or after <see cref="next"/>.</summary>
        private bool MayClose => next >= 64 || (node.Required >> next) == 0;

        public override JsonSchemaMatcher? Step(byte c)
        {
            switch (phase)
            {
                case ObjectPhase.InKey:
                    return KeyByte(c);
                case ObjectPhase.Child:
                    if (child!.Step(c) is { } stepped)
                    {
                        return With(ObjectPhase.Child, next, property, stepped, null);
                    }

                    return child.CanEnd ? With(ObjectPhase.AfterValue, next, property, null, null).Step(c) : null;
                case ObjectPhase.Open:
                    return c == (byte)'{' ? With(ObjectPhase.First, 0, -1, null, null) : null;
                case ObjectPhase.Closed:
                    return null;
            }

            if (IsWhitespace(c))
            {
                var run = whitespace;
                return MoreWhitespace(ref run) ? new ObjectMatcher(node, phase, next, property, null, null, run) : null;
            }

            return phase switch
            {
                ObjectPhase.First or ObjectPhase.Key when c == (byte)'"' => StartKey(),
                ObjectPhase.First or ObjectPhase.AfterValue when c == (byte)'}' => MayClose ? With(ObjectPhase.Closed, next, -1, null, null) : null,
                ObjectPhase.Colon when c == (byte)':' => With(ObjectPhase.Value, next, property, null, null),
                ObjectPhase.Value => Start(node.Properties[property].Value).Step(c) is { } first ? With(ObjectPhase.Child, next, property, first, null) : null,
                ObjectPhase.AfterValue when c == (byte)',' => AllowedKeys().Length > 0 ? With(ObjectPhase.Key, next, -1, null, null) : null,
                _ => null,
            };
        }

        private ObjectMatcher With(ObjectPhase p, int n, int prop, JsonSchemaMatcher? ch, int[]? cand) => new(node, p, n, prop, ch, cand, 0);

        /// <summary>Properties that may come next: from <see cref="next"/> up to and including the first required one.</summary>
        private int[] AllowedKeys()
        {
            var allowed = new List<int>();
            for (var k = next; k < node.Properties.Count; k++)
            {
                allowed.Add(k);
                if (((node.Required >> k) & 1) != 0)
                {
                    break;
                }
            }

            return [.. allowed];
        }

        private ObjectMatcher? StartKey()
        {
            var allowed = AllowedKeys();
            return allowed.Length == 0 ? null : With(ObjectPhase.InKey, next, 1, null, allowed);
        }

        /// <summary>Inside a key: <see cref="property"/> counts the key bytes matched (its opening quote included).</summary>
        private ObjectMatcher? KeyByte(byte c)
        {
            var matched = property;
            var left = candidates!.Where(k => node.Properties[k].Key.Length > matched && node.Properties[k].Key[matched] == c).ToArray();
            if (left.Length == 0)
            {
                return null;
            }

            // Keys end with their closing quote, so a finished key is the only candidate left.
            var key = left[0];
            return node.Properties[key].Key.Length == matched + 1
                ? With(ObjectPhase.Colon, key + 1, key, null, null)
                : With(ObjectPhase.InKey, next, matched + 1, null, left);
        }
    }
}

/// <summary>
/// Structured output: the text generated so far must be the start of one JSON value valid against a schema
/// (<see cref="JsonSchemaCompiler"/> lists what it enforces). Leading whitespace is allowed (SentencePiece models put a
/// space before the first word); nothing may follow the value.
/// </summary>
public sealed class JsonSchemaConstraint : IJsonConstraint
{
    private readonly JsonSchemaMatcher start;
    private JsonSchemaMatcher current;
    private bool started;
    private int leadingWhitespace;

    /// <summary>Compiles <paramref name="schema"/>; throws <see cref="ArgumentException"/> naming what it cannot use.</summary>
    public JsonSchemaConstraint(System.Text.Json.Nodes.JsonNode schema)
    {
        start = JsonSchemaMatcher.Start(JsonSchemaCompiler.Compile(schema));
        current = start;
    }

    /// <summary>The text is one complete value: the end of generation may come.</summary>
    public bool IsComplete => started && current.CanEnd;

    public bool Accepts(ReadOnlySpan<byte> bytes) => Run(bytes, out _, out _, out _);

    public bool TryAppend(ReadOnlySpan<byte> bytes)
    {
        if (!Run(bytes, out var state, out var begun, out var run))
        {
            return false;
        }

        current = state;
        started = begun;
        leadingWhitespace = run;
        return true;
    }

    private bool Run(ReadOnlySpan<byte> bytes, out JsonSchemaMatcher state, out bool begun, out int run)
    {
        state = current;
        begun = started;
        run = leadingWhitespace;
        foreach (var c in bytes)
        {
            if (!begun && JsonSchemaMatcher.IsWhitespace(c))
            {
                if (!JsonSchemaMatcher.MoreWhitespace(ref run))
                {
                    return false;
                }

                continue;
            }

            begun = true;
            if (state.Step(c) is not { } next)
            {
                return false;
            }

            state = next;
        }

        return true;
    }
}
