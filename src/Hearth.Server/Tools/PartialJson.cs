namespace Hearth.Server.Tools;

/// <summary>A member of a JSON object read from text that may still be growing: the key, and where its value lies
/// (<see cref="ValueEnd"/> is -1 while the value is cut off at the end of the text).</summary>
internal readonly record struct PartialMember(string Key, int ValueStart, int ValueEnd);

/// <summary>A JSON object read by <see cref="PartialJson.ReadObject"/>: its members so far, and where it ends (-1 while open).</summary>
internal sealed record PartialObject(IReadOnlyList<PartialMember> Members, int End)
{
    public bool Closed => End >= 0;

    public PartialMember? Find(params string[] keys) => Members.Where(m => keys.Contains(m.Key)).Select(m => (PartialMember?)m).FirstOrDefault();
}

/// <summary>
/// Reads JSON structure out of generated text that may stop anywhere (streaming): where a value ends, an object's
/// members, an array's objects. It checks structure only (brackets, strings, separators); complete values are parsed
/// with System.Text.Json by the caller. Methods return null when the text cannot be the JSON asked for.
/// </summary>
internal static class PartialJson
{
    public static int SkipWhitespace(string s, int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t' or '\n' or '\r')
        {
            i++;
        }

        return i;
    }

    /// <summary>The end (exclusive) of the value starting at <paramref name="start"/>, -1 when the text ends inside
    /// it, null when it is no JSON value. Scalars end at the first byte that cannot continue them.</summary>
    public static int? ValueEnd(string s, int start)
    {
        if (start >= s.Length)
        {
            return -1;
        }

        var c = s[start];
        if (c is '{' or '[')
        {
            return ContainerEnd(s, start);
        }

        if (c == '"')
        {
            return StringEnd(s, start);
        }

        if (c is '-' or (>= '0' and <= '9') or 't' or 'f' or 'n')
        {
            var i = start;
            while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] is '.' or '-' or '+'))
            {
                i++;
            }

            return i == s.Length ? -1 : i;
        }

        return null;
    }

    /// <summary>End (exclusive) of the string whose opening quote is at <paramref name="start"/>, or -1 if open.</summary>
    public static int StringEnd(string s, int start)
    {
        for (var i = start + 1; i < s.Length; i++)
        {
            if (s[i] == '\\')
            {
                i++;
            }
            else if (s[i] == '"')
            {
                return i + 1;
            }
        }

        return -1;
    }

    private static int? ContainerEnd(string s, int start)
    {
        var stack = new Stack<char>();
        for (var i = start; i < s.Length; i++)
        {
            switch (s[i])
            {
                case '"':
                    var end = StringEnd(s, i);
                    if (end < 0)
                    {
                        return -1;
                    }

                    i = end - 1;
                    break;
                case '{':
                    stack.Push('}');
                    break;
                case '[':
                    stack.Push(']');
                    break;
                case '}' or ']':
                    if (stack.Count == 0 || stack.Pop() != s[i])
                    {
                        return null;
                    }

                    if (stack.Count == 0)
                    {
                        return i + 1;
                    }

                    break;
            }
        }

        return -1;
    }

    /// <summary>Reads the object at <paramref name="start"/> (after optional whitespace) as far as the text goes.</summary>
    public static PartialObject? ReadObject(string s, int start)
    {
        var i = SkipWhitespace(s, start);
        if (i == s.Length)
        {
            return new PartialObject([], -1);
        }

        if (s[i] != '{')
        {
            return null;
        }

        var members = new List<PartialMember>();
        i = SkipWhitespace(s, i + 1);
        if (i < s.Length && s[i] == '}')
        {
            return new PartialObject(members, i + 1);
        }

        while (true)
        {
            if (i == s.Length)
            {
                return new PartialObject(members, -1);
            }

            if (s[i] != '"')
            {
                return null;
            }

            var keyEnd = StringEnd(s, i);
            if (keyEnd < 0)
            {
                return new PartialObject(members, -1);
            }

            var key = System.Text.Json.JsonSerializer.Deserialize<string>(s.AsSpan(i, keyEnd - i))!;
            i = SkipWhitespace(s, keyEnd);
            if (i == s.Length)
            {
                return new PartialObject(members, -1);
            }

            if (s[i] != ':')
            {
                return null;
            }

            var valueStart = SkipWhitespace(s, i + 1);
            if (valueStart == s.Length)
            {
                members.Add(new PartialMember(key, valueStart, -1));
                return new PartialObject(members, -1);
            }

            var valueEnd = ValueEnd(s, valueStart);
            if (valueEnd is null)
            {
                return null;
            }

            members.Add(new PartialMember(key, valueStart, valueEnd.Value));
            if (valueEnd < 0)
            {
                return new PartialObject(members, -1);
            }

            i = SkipWhitespace(s, valueEnd.Value);
            if (i == s.Length)
            {
                return new PartialObject(members, -1);
            }

            if (s[i] == '}')
            {
                return new PartialObject(members, i + 1);
            }

            if (s[i] != ',')
            {
                return null;
            }

            i = SkipWhitespace(s, i + 1);
        }
    }

    /// <summary>Reads an array of objects at <paramref name="start"/>: the objects so far (the last may be open) and
    /// the array's end (-1 while open); null when the text is not such an array.</summary>
    public static (IReadOnlyList<PartialObject> Items, int End)? ReadObjectArray(string s, int start)
    {
        var i = SkipWhitespace(s, start);
        var items = new List<PartialObject>();
        if (i == s.Length)
        {
            return (items, -1);
        }

        if (s[i] != '[')
        {
            return null;
        }

        i = SkipWhitespace(s, i + 1);
        if (i < s.Length && s[i] == ']')
        {
            return (items, i + 1);
        }

        while (true)
        {
            if (ReadObject(s, i) is not { } item)
            {
                return null;
            }

            if (item.Members.Count > 0 || item.Closed || SkipWhitespace(s, i) < s.Length)
            {
                items.Add(item);
            }

            if (!item.Closed)
            {
                return (items, -1);
            }

            i = SkipWhitespace(s, item.End);
            if (i == s.Length)
            {
                return (items, -1);
            }

            if (s[i] == ']')
            {
                return (items, i + 1);
            }

            if (s[i] != ',')
            {
                return null;
            }

            i = SkipWhitespace(s, i + 1);
        }
    }
}
