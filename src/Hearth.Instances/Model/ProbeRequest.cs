namespace Hearth.Instances.Model;

/// <summary>A probe of real work: "METHOD /path [body]", e.g. <c>POST /v1/completions {"prompt":"a","max_tokens":1}</c>.</summary>
public sealed record ProbeRequest(HttpMethod Method, string Path, string? Body)
{
    public static ProbeRequest? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var parts = text.Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || !parts[1].StartsWith('/') || parts[0] is not ("GET" or "POST" or "HEAD"))
        {
            throw new InstanceSpecException($"invalid probe '{text}': use 'GET /path' or 'POST /path BODY'", "probe");
        }

        return new ProbeRequest(new HttpMethod(parts[0]), parts[1], parts.Length == 3 ? parts[2] : null);
    }
}
