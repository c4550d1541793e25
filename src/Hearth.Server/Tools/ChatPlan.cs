using System.Text.Json.Nodes;
using Hearth.Engine.Sampling;
using Hearth.Server.Errors;
using Hearth.Server.Inference;

namespace Hearth.Server.Tools;

/// <summary>
/// How one chat request is prompted and read back, for both APIs: the tool-call format of the model's template, the
/// rendered and tokenized prompt (tools and template variables passed, a forced call's opening appended), the
/// constraint a forced call samples under, and the parser for the answer.
/// </summary>
internal sealed class ChatPlan
{
    private ChatPlan(int[] prompt, ChatOutputParser parser, Func<IJsonConstraint>? constraint, bool keepSpecialText)
    {
        Prompt = prompt;
        Parser = parser;
        Constraint = constraint;
        KeepSpecialText = keepSpecialText;
    }

    public int[] Prompt { get; }

    public ChatOutputParser Parser { get; }

    /// <summary>The forced call's constraint (tool_choice required or a named function), else null.</summary>
    public Func<IJsonConstraint>? Constraint { get; }

    public bool KeepSpecialText { get; }

    /// <param name="tools">The request's tools, or null.</param>
    /// <param name="splitReasoning">Move a leading think block out of the content.</param>
    /// <param name="variables">Template variables the request passes (enable_thinking, chat_template_kwargs).</param>
    public static ChatPlan Create(IInferenceModel model, JsonArray messages, ToolOptions? tools, bool splitReasoning, IReadOnlyDictionary<string, JsonNode?> variables, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(model);
        // tool_choice none still shows the tools to the template (as llama.cpp does); only nothing is parsed or forced.
        var active = tools is { Choice: not ToolChoiceMode.None } ? tools : null;
        var format = active is null ? null : ToolCallFormat.Detect(model.Facts.ChatTemplate, active.Functions);
        var all = new Dictionary<string, JsonNode?>(variables);
        ForcedCall? forced = null;
        if (active is not null)
        {
            foreach (var (name, value) in format!.Variables(active, time))
            {
                all.TryAdd(name, value);
            }

            if (!format.DescribesToolsItself)
            {
                messages = GenericFormat.Polyfill(messages, active);
            }

            if (active.Forced)
            {
                try
                {
                    forced = format.Force(active);
                    _ = forced.Constraint();
                }
                catch (ArgumentException e)
                {
                    throw ApiException.BadRequest($"'tools' cannot be used for a forced call: {e.Message}.", "tools");
                }
            }
        }

        var text = model.RenderChat(messages, new ChatPromptExtras { Tools = tools?.Definitions, Variables = all }) + (forced?.PromptSuffix ?? string.Empty);
        var parser = new ChatOutputParser(format, splitReasoning, ChatOutputParser.EndsInsideThink(text), forced?.PromptSuffix ?? string.Empty);
        return new ChatPlan(model.TokenizePrompt(text), parser, forced?.Constraint, format?.NeedsSpecialText == true);
    }

    /// <summary>The generation parameters with this plan's constraint (a forced call replaces no other constraint: both
    /// at once is a 400) and special-token text.</summary>
    public GenerationParameters Apply(GenerationParameters parameters, string constraintParam)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (Constraint is not null && parameters.Constraint is not null)
        {
            throw ApiException.BadRequest($"A forced tool call (tool_choice) cannot be combined with '{constraintParam}'.", constraintParam);
        }

        return parameters with { Constraint = Constraint ?? parameters.Constraint, KeepSpecialText = KeepSpecialText };
    }
}
