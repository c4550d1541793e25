using System.Text.Json.Nodes;
using Hearth.Templates.Ast;
using Hearth.Templates.Parsing;
using Hearth.Templates.Runtime;
using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates;

/// <summary>
/// A parsed Jinja2 chat template (the <c>tokenizer.chat_template</c> of a GGUF file), rendered the way
/// HF transformers and llama.cpp do: trim_blocks and lstrip_blocks on, <c>raise_exception</c> and
/// <c>strftime_now</c> available, lenient undefined values. Parse once, render many times (thread-safe).
/// </summary>
public sealed class ChatTemplate
{
    /// <summary>
    /// ChatML, the default for models whose file carries no template:
    /// <c>&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n</c> per message, then
    /// <c>&lt;|im_start|&gt;assistant\n</c> when a generation prompt is requested. Array contents
    /// (OpenAI content parts) contribute their text parts.
    /// </summary>
    public const string ChatMlSource =
        "{%- for message in messages -%}\n" +
        "{{- '<|im_start|>' ~ message.role ~ '\\n' -}}\n" +
        "{%- if message.content is string -%}{{- message.content -}}\n" +
        "{%- elif message.content is iterable -%}{%- for part in message.content if part.type == 'text' -%}{{- part.text -}}{%- endfor -%}\n" +
        "{%- endif -%}\n" +
        "{{- '<|im_end|>\\n' -}}\n" +
        "{%- endfor -%}\n" +
        "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}\n";

    private const string SystemNeedle = "<System Needle>";
    private const string UserNeedle = "<User Needle>";

    private readonly IReadOnlyList<Stmt> _body;
    private bool? _supportsSystemRole;
    private bool? _supportsObjectArguments;

    private ChatTemplate(string source, IReadOnlyList<Stmt> body)
    {
        Source = source;
        _body = body;
    }

    /// <summary>The default template (ChatML, see <see cref="ChatMlSource"/>) for models without one.</summary>
    public static ChatTemplate Default { get; } = Parse(ChatMlSource);

    public string Source { get; }

    /// <summary>Parses a template. Throws <see cref="TemplateSyntaxException"/> (with 1-based Line and Column) on invalid syntax.</summary>
    public static ChatTemplate Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new ChatTemplate(source, Parser.Parse(source));
    }

    /// <summary>
    /// Renders the prompt. If the template rejects or drops system messages (e.g. Gemma), system
    /// contents are merged into the following user message, separated by "\n", as llama.cpp does.
    /// Throws <see cref="TemplateRuntimeException"/> when the template raises or a limit is hit.
    /// </summary>
    public string Render(ChatTemplateInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var source = input.Messages;
        if (ToolArgumentsPolyfill.HasStringArguments(source) && SupportsObjectArguments(input))
        {
            source = ToolArgumentsPolyfill.WithObjectArguments(source);
        }
        else if (ToolArgumentsPolyfill.HasObjectArguments(source) && !SupportsObjectArguments(input))
        {
            source = ToolArgumentsPolyfill.WithStringArguments(source);
        }

        var messages = (List<object?>)JsonValues.FromJson(source)!;
        if (!SupportsSystemRole(input))
        {
            messages = SystemMessagePolyfill.MergeIntoUserMessages(messages);
        }

        var text = RenderRaw(messages, input, includeExtras: true);
        if (input.StripLeadingBos && input.BosToken.Length > 0 && text.StartsWith(input.BosToken, StringComparison.Ordinal))
        {
            text = text[input.BosToken.Length..];
        }

        return text;
    }

    /// <summary>Probes (once) whether a system message's content survives rendering, like llama.cpp's capability check.</summary>
    internal bool SupportsSystemRole(ChatTemplateInput input)
    {
        if (_supportsSystemRole is { } known)
        {
            return known;
        }

        var probe = new List<object?> { Message("system", SystemNeedle), Message("user", UserNeedle) };
        var probeInput = new ChatTemplateInput
        {
            AddGenerationPrompt = false,
            BosToken = input.BosToken,
            EosToken = input.EosToken,
            Clock = input.Clock,
        };
        bool supported;
        try
        {
            supported = RenderRaw(probe, probeInput, includeExtras: false).Contains(SystemNeedle, StringComparison.Ordinal);
        }
        catch (TemplateRuntimeException)
        {
            supported = false;
        }

        _supportsSystemRole = supported;
        return supported;
    }

    /// <summary>Probes (once) whether the template writes a tool call's arguments given as an object (with
    /// <c>tojson</c>), as llama.cpp's capability check does; see <see cref="ToolArgumentsPolyfill"/>.</summary>
    internal bool SupportsObjectArguments(ChatTemplateInput input)
    {
        if (_supportsObjectArguments is { } known)
        {
            return known;
        }

        var probeInput = new ChatTemplateInput { AddGenerationPrompt = false, BosToken = input.BosToken, EosToken = input.EosToken, Clock = input.Clock };
        bool supported;
        try
        {
            var probe = (List<object?>)JsonValues.FromJson(ToolArgumentsPolyfill.ProbeMessages())!;
            supported = ToolArgumentsPolyfill.ProbeSucceeded(RenderRaw(probe, probeInput, includeExtras: false));
        }
        catch (TemplateRuntimeException)
        {
            supported = false;
        }

        _supportsObjectArguments = supported;
        return supported;
    }

    private static Dict Message(string role, string content) => new() { ["role"] = role, ["content"] = content };

    private string RenderRaw(List<object?> messages, ChatTemplateInput input, bool includeExtras)
    {
        var globals = new Scope(null);
        Globals.AddTo(globals);
        globals.Set("messages", messages);
        globals.Set("add_generation_prompt", input.AddGenerationPrompt);
        globals.Set("bos_token", input.BosToken);
        globals.Set("eos_token", input.EosToken);
        if (input.Tools is not null)
        {
            globals.Set("tools", JsonValues.FromJson(input.Tools));
        }

        if (includeExtras)
        {
            foreach (var pair in input.ExtraVariables)
            {
                globals.Set(pair.Key, JsonValues.FromJson(pair.Value));
            }
        }

        return new Evaluator(new RenderBudget(), input.Clock).Render(_body, globals);
    }
}
