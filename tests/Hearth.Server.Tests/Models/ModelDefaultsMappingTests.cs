using System.Text.Json;
using Hearth.Server.Json;
using Hearth.Server.Ollama;
using Hearth.Server.OpenAI;

namespace Hearth.Server.Tests.Models;

/// <summary>
/// A model's defaults (<c>--model-defaults</c>, a pack spec's parameters) in the pure request mappings: they fill
/// what a request leaves out, the request's own values win, and without defaults the APIs' built-ins stay.
/// </summary>
public sealed class ModelDefaultsMappingTests
{
    private static readonly ModelDefaults Defaults = ModelDefaults.Parse(
        """{"temperature": 0.2, "top_p": 0.5, "min_p": 0.1, "top_k": 7, "repeat_penalty": 1.3, "presence_penalty": 0.4, "frequency_penalty": 0.6, "seed": 99, "max_tokens": 9, "ctx": 512}""",
        "test.json");

    private static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, ApiJson.Options)!;

    [Fact]
    public void Chat_request_without_sampling_fields_takes_every_default()
    {
        var (_, p) = ChatCompletions.Map(Read<ChatCompletionRequest>("""{"messages": [{"role": "user", "content": "hi"}]}"""), Defaults);
        var s = p.Sampling;
        Assert.Equal((0.2f, 0.5f, 0.1f, 7, 1.3f), (s.Temperature, s.TopP, s.MinP, s.TopK, s.RepeatPenalty));
        Assert.Equal((0.4f, 0.6f, 99UL), (s.PresencePenalty, s.FrequencyPenalty, s.Seed));
        Assert.Equal(9, p.MaxTokens);
        Assert.Equal(512, Defaults.ContextLength);
    }

    [Fact]
    public void Chat_request_values_win_over_defaults()
    {
        var (_, p) = ChatCompletions.Map(Read<ChatCompletionRequest>(
            """{"messages": [{"role": "user", "content": "hi"}], "temperature": 1.5, "top_p": 0.9, "seed": 3, "max_completion_tokens": 4, "presence_penalty": -1, "frequency_penalty": 0}"""),
            Defaults);
        var s = p.Sampling;
        Assert.Equal((1.5f, 0.9f, 3UL, -1f, 0f), (s.Temperature, s.TopP, s.Seed, s.PresencePenalty, s.FrequencyPenalty));
        Assert.Equal(4, p.MaxTokens);
        Assert.Equal((7, 0.1f), (s.TopK, s.MinP)); // OpenAI has no such fields: the model's defaults stay
    }

    [Fact]
    public void Without_defaults_chat_and_completions_keep_openais_built_ins()
    {
        var (_, chat) = ChatCompletions.Map(Read<ChatCompletionRequest>("""{"messages": [{"role": "user", "content": "hi"}]}"""));
        Assert.Equal((1f, 1f, 0, 0f, 1f, (ulong?)null), (chat.Sampling.Temperature, chat.Sampling.TopP, chat.Sampling.TopK, chat.Sampling.MinP, chat.Sampling.RepeatPenalty, chat.Sampling.Seed));
        Assert.Null(chat.MaxTokens);
        Assert.Equal(Completions.DefaultMaxTokens, Completions.Map(Read<CompletionRequest>("""{"prompt": "hi"}""")).MaxTokens);
    }

    [Fact]
    public void Legacy_completions_take_the_defaults_max_tokens_over_openais_16()
    {
        var p = Completions.Map(Read<CompletionRequest>("""{"prompt": "hi"}"""), Defaults);
        Assert.Equal((9, 0.2f, 99UL), (p.MaxTokens, p.Sampling.Temperature, p.Sampling.Seed));
        Assert.Equal(2, Completions.Map(Read<CompletionRequest>("""{"prompt": "hi", "max_tokens": 2, "temperature": 0}"""), Defaults).MaxTokens);
    }

    [Fact]
    public void Ollama_options_fall_back_to_the_defaults_then_to_ollamas_own()
    {
        var d = OllamaMapping.Map(null, Defaults);
        Assert.Equal((0.2f, 0.5f, 0.1f, 7, 1.3f, 99UL, 9), (d.Sampling.Temperature, d.Sampling.TopP, d.Sampling.MinP, d.Sampling.TopK, d.Sampling.RepeatPenalty, d.Sampling.Seed, d.MaxTokens));

        var o = OllamaMapping.Map(Read<OllamaOptions>("""{"temperature": 0.9, "top_k": 40, "seed": 1, "num_predict": 3}"""), Defaults);
        Assert.Equal((0.9f, 40, 1UL, 3, 0.5f), (o.Sampling.Temperature, o.Sampling.TopK, o.Sampling.Seed, o.MaxTokens, o.Sampling.TopP));
        Assert.Null(OllamaMapping.Map(Read<OllamaOptions>("""{"num_predict": -1}"""), Defaults).MaxTokens); // "no limit" beats a default limit

        var built = OllamaMapping.Map(null);
        Assert.Equal((0.8f, 40, 0.9f, 1.1f, (ulong?)null, (int?)null), (built.Sampling.Temperature, built.Sampling.TopK, built.Sampling.TopP, built.Sampling.RepeatPenalty, built.Sampling.Seed, built.MaxTokens));
    }

    [Fact]
    public void A_defaults_file_with_unknown_keys_or_bad_values_names_every_problem()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelDefaults.Parse("""{"temprature": 1, "top_p": 2, "top_k": 1.5, "seed": "x"}""", "/etc/d.json"));
        Assert.StartsWith("--model-defaults /etc/d.json: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("unknown key 'temprature'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'top_p' must be between 0 and 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("'top_k' must be an integer between 0 and 100000", e.Message, StringComparison.Ordinal);
        Assert.Contains("'seed' must be a number", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ModelDefaults.Parse("[1]", "x.json"));
        Assert.Throws<ArgumentException>(() => ModelDefaults.Parse("{", "x.json"));
    }
}
