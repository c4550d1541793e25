using System.Text.Json.Nodes;

namespace Hearth.Templates;

/// <summary>The variables a chat template is rendered with (the names HF transformers and llama.cpp pass).</summary>
public sealed class ChatTemplateInput
{
    /// <summary>OpenAI-style messages: objects with role, content and optionally tool_calls, tool_call_id, name. Template variable <c>messages</c>.</summary>
    public JsonArray Messages { get; set; } = [];

    /// <summary>OpenAI-style tool definitions, or null for none (then <c>tools</c> is undefined, as in llama.cpp).</summary>
    public JsonArray? Tools { get; set; }

    /// <summary>Whether to end with the assistant turn header. Template variable <c>add_generation_prompt</c>.</summary>
    public bool AddGenerationPrompt { get; set; } = true;

    /// <summary>Text of the BOS token (template variable <c>bos_token</c>), e.g. "&lt;s&gt;".</summary>
    public string BosToken { get; set; } = "";

    /// <summary>Text of the EOS token (template variable <c>eos_token</c>), e.g. "&lt;/s&gt;".</summary>
    public string EosToken { get; set; } = "";

    /// <summary>
    /// Remove a leading <see cref="BosToken"/> from the result (default true) because the tokenizer adds BOS
    /// itself; otherwise the prompt would start with two. Set false when the tokenizer does not add BOS.
    /// </summary>
    public bool StripLeadingBos { get; set; } = true;

    /// <summary>The clock behind <c>strftime_now(format)</c> (local time of this provider).</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>More template variables (e.g. <c>date_string</c>, <c>enable_thinking</c>); they override the ones above.</summary>
    public IDictionary<string, JsonNode?> ExtraVariables { get; set; } = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
}
