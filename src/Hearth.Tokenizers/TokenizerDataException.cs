namespace Hearth.Tokenizers;

/// <summary>The tokenizer metadata of a model is missing or malformed (names the offending key). A FormatException, so the CLI maps it to "invalid format".</summary>
public sealed class TokenizerDataException : FormatException
{
    public TokenizerDataException(string key, string reason)
        : base($"tokenizer metadata '{key}': {reason}")
    {
        Key = key;
        Reason = reason;
    }

    public TokenizerDataException()
        : this("?", "invalid tokenizer data")
    {
    }

    public TokenizerDataException(string message)
        : this("?", message)
    {
    }

    public TokenizerDataException(string message, Exception innerException)
        : base(message, innerException)
    {
        Key = "?";
        Reason = message;
    }

    public string Key { get; }

    public string Reason { get; }
}
