using Hearth.Server.Ollama;

namespace Hearth.Server;

/// <summary>Durations as Hearth's CLI and Ollama's keep_alive write them: "5m", "1h30m", "90s", or plain seconds; negative = forever.</summary>
public static class Duration
{
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            return KeepAliveConverter.Parse(text);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ArgumentException(e.Message, nameof(text), e);
        }
    }
}
