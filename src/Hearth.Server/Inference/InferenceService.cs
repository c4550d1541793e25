using System.Text;
using Hearth.Server.Errors;
using Hearth.Server.Models;

namespace Hearth.Server.Inference;

/// <summary>
/// What every generation endpoint does, API-neutral: check the prompt fits, queue it on the model's
/// scheduler (503 when the queue is full), and read the events, either all at once or as a stream.
/// </summary>
internal static class InferenceService
{
    /// <summary>Seconds a client told "queue full" should wait: a few decode steps free a slot on any model we serve.</summary>
    public const int QueueFullRetryAfterSeconds = 2;

    public static GenerationJob Submit(LoadedModel model, int[] prompt, GenerationParameters parameters, string promptParam, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompt);
        var context = model.Scheduler.ContextPerSlot;
        if (prompt.Length == 0)
        {
            throw ApiException.BadRequest("The prompt is empty.", promptParam);
        }

        if (prompt.Length >= context)
        {
            throw new ApiException(400, "invalid_request_error", "context_length_exceeded", promptParam,
                $"This model's maximum context length is {context} tokens; the prompt has {prompt.Length} tokens, leaving no room to generate.");
        }

        ITokenSampler sampler;
        try
        {
            sampler = model.Scheduler.CreateSampler(parameters.Sampling);
        }
        catch (ArgumentException e)
        {
            throw ApiException.BadRequest("Invalid sampling settings: " + e.Message, null);
        }

        if (parameters.Constraint is { } constraint)
        {
            sampler = new JsonConstrainedSampler(sampler, constraint(), model.Model.TokenPieces, model.Model.IsEndOfGeneration);
        }

        var job = new GenerationJob(prompt, parameters, cancellation) { Sampler = sampler };
        if (!model.Scheduler.TryEnqueue(job))
        {
            throw ApiException.Busy(
                $"All {model.Scheduler.Slots} slots are busy and {model.Scheduler.QueueDepth} requests are waiting; retry shortly.",
                QueueFullRetryAfterSeconds);
        }

        return job;
    }

    /// <summary>Reads a job to its end (non-streaming responses).</summary>
    public static async Task<CompletionResult> CollectAsync(GenerationJob job, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(job);
        var text = new StringBuilder();
        var logprobs = new List<TokenLogprob>();
        await foreach (var e in job.Events.ReadAllAsync(cancellation).ConfigureAwait(false))
        {
            switch (e)
            {
                case GeneratedToken t:
                    text.Append(t.Text);
                    if (t.Logprob is not null)
                    {
                        logprobs.Add(t.Logprob);
                    }

                    break;
                case GenerationCompleted c:
                    return new CompletionResult(text.ToString(), logprobs, c.Reason, c.Usage);
                case GenerationFailed f:
                    throw f.Error;
            }
        }

        throw new OperationCanceledException(cancellation);
    }
}

internal sealed record CompletionResult(string Text, IReadOnlyList<TokenLogprob> Logprobs, FinishReason Reason, GenerationUsage Usage);
