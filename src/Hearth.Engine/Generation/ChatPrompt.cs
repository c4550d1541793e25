using System.Text.Json.Nodes;
using Hearth.Templates;

namespace Hearth.Engine.Generation;

/// <summary>Turns chat messages into prompt tokens with the model's own template.</summary>
public static class ChatPrompt
{
    /// <summary>Renders the messages with the model's chat template (text).</summary>
    public static string Render(Model model, JsonArray messages, bool addGenerationPrompt = true, JsonArray? tools = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var tokenizer = model.Tokenizer;
        var bos = tokenizer.BosId is { } b ? tokenizer.TokenText(b) : string.Empty;
        var eos = tokenizer.EosId is { } e ? tokenizer.TokenText(e) : string.Empty;
        // Templates write the BOS text themselves; tokenization adds BOS again when the vocabulary asks
        // for it, so the renderer drops a leading BOS text then (as llama.cpp does) to avoid a doubled BOS.
        return model.Template.Render(new ChatTemplateInput
        {
            Messages = messages,
            Tools = tools,
            AddGenerationPrompt = addGenerationPrompt,
            BosToken = bos,
            EosToken = eos,
            StripLeadingBos = tokenizer.AddBos,
            Clock = clock ?? TimeProvider.System,
        });
    }

    /// <summary>Renders and tokenizes: special tokens in the rendered text are parsed as tokens.</summary>
    public static int[] Tokenize(Model model, JsonArray messages, bool addGenerationPrompt = true, JsonArray? tools = null, TimeProvider? clock = null) =>
        model.Tokenizer.Encode(Render(model, messages, addGenerationPrompt, tools, clock), addSpecial: true, parseSpecial: true);
}
