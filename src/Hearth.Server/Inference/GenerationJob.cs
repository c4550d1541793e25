using System.Threading.Channels;

namespace Hearth.Server.Inference;

/// <summary>
/// One request's sequence as the scheduler sees it. The HTTP handler creates it, submits it and
/// reads <see cref="Events"/> until a <see cref="GenerationCompleted"/> or <see cref="GenerationFailed"/>.
/// </summary>
internal sealed class GenerationJob
{
    private readonly Channel<GenerationEvent> events =
        Channel.CreateUnbounded<GenerationEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    public GenerationJob(int[] prompt, GenerationParameters parameters, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(parameters);
        Prompt = prompt;
        Parameters = parameters;
        Cancellation = cancellation;
    }

    public int[] Prompt { get; }

    public GenerationParameters Parameters { get; }

    /// <summary>The client's RequestAborted: the scheduler drops the sequence within one step.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>The sampler, created up front by the HTTP layer so bad settings are a 400; null = the scheduler creates one.</summary>
    public ITokenSampler? Sampler { get; init; }

    /// <summary>Set by the scheduler when queued (TimeProvider timestamp), for time-to-first-token.</summary>
    public long EnqueuedTimestamp { get; set; }

    public ChannelReader<GenerationEvent> Events => events.Reader;

    internal void Emit(GenerationEvent e) => events.Writer.TryWrite(e);

    internal void Complete(GenerationEvent final)
    {
        events.Writer.TryWrite(final);
        events.Writer.TryComplete();
    }
}

internal abstract record GenerationEvent;

/// <summary>A generated token. <paramref name="Text"/> may be empty while text is held back (partial UTF-8, possible stop string).</summary>
internal sealed record GeneratedToken(int TokenId, string Text, TokenLogprob? Logprob) : GenerationEvent;

internal sealed record GenerationCompleted(FinishReason Reason, GenerationUsage Usage) : GenerationEvent;

internal sealed record GenerationFailed(Exception Error) : GenerationEvent;

internal enum FinishReason
{
    Stop,
    Length,
    Cancelled,
}

/// <summary>Token counts and timings of one finished sequence (durations from the injected TimeProvider).</summary>
internal sealed record GenerationUsage(
    int PromptTokens,
    int CachedPromptTokens,
    int CompletionTokens,
    TimeSpan QueueTime,
    TimeSpan PromptTime,
    TimeSpan GenerationTime);

internal sealed record TokenLogprob(string Token, float Logprob, IReadOnlyList<TokenAlternative> Top);

internal sealed record TokenAlternative(string Token, float Logprob);
