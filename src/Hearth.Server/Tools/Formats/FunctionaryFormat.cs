using System.Text;
using Hearth.Engine.Sampling;

namespace Hearth.Server.Tools;

/// <summary>
/// Functionary v3.2: the prompt ends with <c>&gt;&gt;&gt;</c>, and the answer is a series of
/// <c>recipient\nbody</c> blocks joined by <c>&gt;&gt;&gt;</c>: recipient <c>all</c> is text for the user, a function's
/// name makes the body its JSON arguments. A first line naming neither is plain content.
/// </summary>
internal sealed class FunctionaryFormat(IReadOnlyList<ToolFunction> functions) : ToolCallFormat
{
    private const string Separator = ">>>";

    public override string Name => "functionary-v3.2";

    public override ToolParse Parse(string text, bool partial)
    {
        var content = new StringBuilder();
        var calls = new List<ParsedToolCall>();
        var blocks = text.Split(Separator);
        for (var b = 0; b < blocks.Length; b++)
        {
            var block = blocks[b];
            var last = b == blocks.Length - 1;
            var newline = block.IndexOf('\n', StringComparison.Ordinal);
            if (newline < 0)
            {
                if (partial && last && (b > 0 || IsRecipientPrefix(block)))
                {
                    break;
                }

                return b == 0 ? ToolParse.Text(text) : ToolParse.Invalid(text, partial, content.ToString(), calls);
            }

            var recipient = block[..newline].Trim();
            var body = block[(newline + 1)..];
            if (recipient == "all")
            {
                content.Append(last ? ToolText.HoldBack(body, Separator, partial) : body);
            }
            else if (functions.Any(f => f.Name == recipient))
            {
                var arguments = last ? ToolText.HoldBack(body, Separator, partial).Trim() : body.Trim();
                if ((!last || !partial) && !ToolText.IsObject(arguments))
                {
                    return ToolParse.Invalid(text, partial, content.ToString(), calls);
                }

                calls.Add(new ParsedToolCall(recipient, arguments));
            }
            else
            {
                return b == 0 ? ToolParse.Text(text) : ToolParse.Invalid(text, partial, content.ToString(), calls);
            }
        }

        return new ToolParse(content.ToString(), calls);
    }

    private bool IsRecipientPrefix(string start) => "all".StartsWith(start, StringComparison.Ordinal) || functions.Any(f => f.Name.StartsWith(start, StringComparison.Ordinal));

    public override ForcedCall Force(ToolOptions tools)
    {
        // The name comes before the JSON, so each function is its own sequence; one call per answer.
        var options = tools.Callable.Select(f => (Name: f.Name, Schema: CallSchemas.Parameters(f, "#"))).ToList();
        return new ForcedCall(string.Empty, () => new JsonAlternativesConstraint(options.Select(o =>
            (IJsonConstraint)new JsonSequenceConstraint([JsonSequencePart.Text(o.Name + "\n"), JsonSequencePart.Json(o.Schema)]))));
    }
}
