namespace Hearth.Engine.Sampling;

/// <summary>
/// Whether the bytes generated so far are the start of one JSON object (RFC 8259 grammar), for JSON mode: the sampler
/// asks whether a token's bytes may follow (<see cref="Accepts"/>) and appends the chosen one (<see cref="TryAppend"/>).
/// A small value type with no allocation, so checking every token of a vocabulary costs one copy per token.
/// <para>
/// Bytes, not characters: a token may end inside a UTF-8 character, and inside strings every byte from 0x20 on except
/// <c>"</c> and <c>\</c> is allowed (UTF-8 lead and continuation bytes included); outside strings JSON is ASCII.
/// The root must be an object, as OpenAI's <c>json_object</c> and llama.cpp's JSON grammar require. Runs of whitespace
/// between tokens are capped at <see cref="MaxWhitespaceRun"/> bytes (llama.cpp's grammar: a newline and up to 20
/// spaces), which stops a model from padding forever; nesting at <see cref="MaxDepth"/>.
/// </para>
/// </summary>
public struct JsonPrefix
{
    /// <summary>Deepest nesting of objects and arrays (one bit each in a 64-bit stack).</summary>
    public const int MaxDepth = 64;

    /// <summary>Most consecutive whitespace bytes outside strings (indentation of deep output included).</summary>
    public const int MaxWhitespaceRun = 32;

    private static readonly byte[][] Literals = ["true"u8.ToArray(), "false"u8.ToArray(), "null"u8.ToArray()];

    private ulong objects;   // bit d: the container at depth d is an object (else an array)
    private byte depth;
    private Mode mode;
    private byte sub;        // Unicode: hex digits left; Literal: bytes matched; Number: its JsonNumber.State
    private byte literal;    // index into Literals
    private bool key;        // the string being read is an object key
    private byte whitespace; // current run of whitespace bytes

    private enum Mode : byte
    {
        Start,
        ObjectFirst,
        ObjectKey,
        Colon,
        Value,
        ArrayFirst,
        AfterValue,
        String,
        Escape,
        Unicode,
        Literal,
        Number,
        Done,
    }

    /// <summary>True once the root object has closed: nothing may follow but the end of generation.</summary>
    public readonly bool IsComplete => mode == Mode.Done;

    /// <summary>Whether <paramref name="bytes"/> may follow what was appended so far (the state is not changed).</summary>
    public readonly bool Accepts(ReadOnlySpan<byte> bytes)
    {
        var copy = this;
        return copy.TryAppend(bytes);
    }

    /// <summary>Appends <paramref name="bytes"/> when they keep the text a JSON prefix; otherwise returns false and
    /// leaves the state as it was.</summary>
    public bool TryAppend(ReadOnlySpan<byte> bytes)
    {
        var next = this;
        foreach (var b in bytes)
        {
            if (!next.Step(b))
            {
                return false;
            }
        }

        this = next;
        return true;
    }

    private static bool IsWhitespace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    private static bool IsDigit(byte c) => c is >= (byte)'0' and <= (byte)'9';

    private static bool IsHex(byte c) => IsDigit(c) || c is >= (byte)'a' and <= (byte)'f' || c is >= (byte)'A' and <= (byte)'F';

    private bool Step(byte c)
    {
        switch (mode)
        {
            case Mode.String:
                return StringByte(c);
            case Mode.Escape:
                return EscapeByte(c);
            case Mode.Unicode:
                if (!IsHex(c))
                {
                    return false;
                }

                mode = --sub == 0 ? Mode.String : Mode.Unicode;
                return true;
            case Mode.Literal:
                return LiteralByte(c);
            case Mode.Number:
                return NumberByte(c);
            case Mode.Done:
                return false;
        }

        // Structural positions: whitespace is allowed between tokens, up to a run limit.
        if (IsWhitespace(c))
        {
            return ++whitespace <= MaxWhitespaceRun;
        }

        whitespace = 0;
        return mode switch
        {
            Mode.Start => c == (byte)'{' && Open(isObject: true),
            Mode.ObjectFirst => c == (byte)'"' ? StartString(isKey: true) : c == (byte)'}' && Close(),
            Mode.ObjectKey => c == (byte)'"' && StartString(isKey: true),
            Mode.Colon => c == (byte)':' && Enter(Mode.Value),
            Mode.Value => StartValue(c),
            Mode.ArrayFirst => c == (byte)']' ? Close() : StartValue(c),
            _ => AfterValueByte(c),
        };
    }

    private bool Enter(Mode next)
    {
        mode = next;
        return true;
    }

    private readonly bool InObject => ((objects >> (depth - 1)) & 1) != 0;

    private bool Open(bool isObject)
    {
        if (depth == MaxDepth)
        {
            return false;
        }

        objects = isObject ? objects | (1UL << depth) : objects & ~(1UL << depth);
        depth++;
        return Enter(isObject ? Mode.ObjectFirst : Mode.ArrayFirst);
    }

    private bool Close()
    {
        depth--;
        return ValueDone();
    }

    private bool ValueDone() => Enter(depth == 0 ? Mode.Done : Mode.AfterValue);

    private bool StartString(bool isKey)
    {
        key = isKey;
        return Enter(Mode.String);
    }

    private bool StartValue(byte c)
    {
        switch (c)
        {
            case (byte)'{':
                return Open(isObject: true);
            case (byte)'[':
                return Open(isObject: false);
            case (byte)'"':
                return StartString(isKey: false);
            case (byte)'-' or >= (byte)'0' and <= (byte)'9':
                sub = (byte)JsonNumber.Next(JsonNumber.State.Start, c)!.Value;
                return Enter(Mode.Number);
            case (byte)'t' or (byte)'f' or (byte)'n':
                literal = (byte)(c == (byte)'t' ? 0 : c == (byte)'f' ? 1 : 2);
                sub = 1;
                return Enter(Mode.Literal);
            default:
                return false;
        }
    }

    private bool AfterValueByte(byte c) => c switch
    {
        (byte)',' => Enter(InObject ? Mode.ObjectKey : Mode.Value),
        (byte)'}' => InObject && Close(),
        (byte)']' => !InObject && Close(),
        _ => false,
    };

    private bool StringByte(byte c)
    {
        if (c == (byte)'"')
        {
            return key ? Enter(Mode.Colon) : ValueDone();
        }

        if (c == (byte)'\\')
        {
            return Enter(Mode.Escape);
        }

        // Control characters must be escaped inside strings (RFC 8259 section 7).
        return c >= 0x20;
    }

    private bool EscapeByte(byte c)
    {
        if (c == (byte)'u')
        {
            sub = 4;
            return Enter(Mode.Unicode);
        }

        return c is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t' && Enter(Mode.String);
    }

    private bool LiteralByte(byte c)
    {
        var word = Literals[literal];
        if (c != word[sub])
        {
            return false;
        }

        return ++sub < word.Length || ValueDone();
    }

    private bool NumberByte(byte c)
    {
        var state = (JsonNumber.State)sub;
        if (JsonNumber.Next(state, c) is { } next)
        {
            sub = (byte)next;
            return true;
        }

        // The number ends at the first byte that cannot continue it, if it is complete there; that byte then
        // belongs to what follows the value (the root is an object, so a number is always followed by something).
        if (!JsonNumber.IsComplete(state))
        {
            return false;
        }

        ValueDone();
        return Step(c);
    }
}
