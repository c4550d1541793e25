using System.Globalization;
using System.Text;

namespace Hearth.Templates.Lexing;

/// <summary>
/// Decodes a string literal body the way Jinja does (Python's "unicode-escape"): \n \t \r \\ \' \" \a \b
/// \f \v, octal \ooo, \xhh, \uXXXX, \UXXXXXXXX. Unknown escapes keep their backslash, as in Python.
/// </summary>
internal static class StringLiteral
{
    public static string Unescape(ReadOnlySpan<char> body)
    {
        if (!body.Contains('\\'))
        {
            return body.ToString();
        }

        var sb = new StringBuilder(body.Length);
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (c != '\\' || i + 1 >= body.Length)
            {
                sb.Append(c);
                continue;
            }

            var e = body[++i];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case '\n': break; // backslash-newline is a line continuation
                case 'x' when TryHex(body, i + 1, 2, out var x):
                    sb.Append((char)x);
                    i += 2;
                    break;
                case 'u' when TryHex(body, i + 1, 4, out var u):
                    sb.Append((char)u);
                    i += 4;
                    break;
                case 'U' when TryHex(body, i + 1, 8, out var big) && big <= 0x10FFFF:
                    sb.Append(char.ConvertFromUtf32(big));
                    i += 8;
                    break;
                case >= '0' and <= '7':
                    var value = 0;
                    var n = 0;
                    while (n < 3 && i < body.Length && body[i] is >= '0' and <= '7')
                    {
                        value = (value * 8) + (body[i] - '0');
                        i++;
                        n++;
                    }

                    i--;
                    sb.Append((char)value);
                    break;
                default:
                    sb.Append('\\').Append(e);
                    break;
            }
        }

        return sb.ToString();
    }

    private static bool TryHex(ReadOnlySpan<char> body, int start, int length, out int value)
    {
        value = 0;
        return start + length <= body.Length
            && int.TryParse(body.Slice(start, length), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
