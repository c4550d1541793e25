using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates;

/// <summary>
/// For templates without a system role (Gemma raises on one): system contents are carried into the next
/// user message ("system\nuser"), or become their own user message when no user message follows.
/// This is the rendering llama.cpp produces, which the shared reference outputs follow.
/// </summary>
internal static class SystemMessagePolyfill
{
    public static List<object?> MergeIntoUserMessages(List<object?> messages)
    {
        var result = new List<object?>();
        string? pending = null;
        foreach (var item in messages)
        {
            if (item is not Dict message || message.GetValueOrDefault("content") is not string content)
            {
                Flush(result, ref pending);
                result.Add(item);
                continue;
            }

            var role = message.GetValueOrDefault("role") as string;
            if (role == "system")
            {
                pending = pending is null ? content : pending + "\n" + content;
                continue;
            }

            if (role == "user" && pending is not null)
            {
                var merged = new Dict();
                foreach (var pair in message)
                {
                    merged[pair.Key] = pair.Value;
                }

                merged["content"] = content.Length == 0 ? pending : pending + "\n" + content;
                pending = null;
                result.Add(merged);
                continue;
            }

            Flush(result, ref pending);
            result.Add(message);
        }

        Flush(result, ref pending);
        return result;
    }

    private static void Flush(List<object?> result, ref string? pending)
    {
        if (pending is not null)
        {
            result.Add(new Dict { ["role"] = "user", ["content"] = pending });
            pending = null;
        }
    }
}
