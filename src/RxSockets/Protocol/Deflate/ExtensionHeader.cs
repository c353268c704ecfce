using System.Diagnostics.CodeAnalysis;
using RxSockets.Protocol.Handshake;

namespace RxSockets.Protocol.Deflate;

/// <summary>
/// Parses <c>Sec-WebSocket-Extensions</c> values (RFC 6455 §9.1):
/// <c>extension-list = 1#( extension-token *( ";" token [ "=" ( token / quoted-string ) ] ) )</c>, where a quoted
/// value must itself be a token once unquoted. Stateless and thread-safe.
/// </summary>
internal static class ExtensionHeader
{
    /// <summary>Parses a whole list; several header fields are joined with ", " first.</summary>
    /// <returns>False when the value is not a well-formed extension list.</returns>
    public static bool TryParse(string value, [NotNullWhen(true)] out List<ExtensionOffer>? offers)
    {
        offers = [];
        var position = 0;
        while (true)
        {
            SkipWhitespace(value, ref position);
            if (position == value.Length)
            {
                break;
            }

            if (value[position] == ',')
            {
                // RFC 9110 §5.6.1: empty list elements are allowed and ignored.
                position++;
                continue;
            }

            if (!TryParseExtension(value, ref position, out var offer))
            {
                offers = null;
                return false;
            }

            offers.Add(offer);
            SkipWhitespace(value, ref position);
            if (position < value.Length && value[position] != ',')
            {
                offers = null;
                return false;
            }
        }

        if (offers.Count == 0)
        {
            offers = null;
            return false;
        }

        return true;
    }

    private static bool TryParseExtension(string value, ref int position, [NotNullWhen(true)] out ExtensionOffer? offer)
    {
        offer = null;
        var name = ReadToken(value, ref position);
        if (name is null)
        {
            return false;
        }

        var parameters = new List<KeyValuePair<string, string?>>();
        while (true)
        {
            SkipWhitespace(value, ref position);
            if (position == value.Length || value[position] == ',')
            {
                offer = new ExtensionOffer(name, parameters);
                return true;
            }

            if (value[position] != ';')
            {
                return false;
            }

            position++;
            SkipWhitespace(value, ref position);
            var parameter = ReadToken(value, ref position);
            if (parameter is null)
            {
                return false;
            }

            SkipWhitespace(value, ref position);
            string? parameterValue = null;
            if (position < value.Length && value[position] == '=')
            {
                position++;
                SkipWhitespace(value, ref position);
                parameterValue = position < value.Length && value[position] == '"'
                    ? ReadQuotedToken(value, ref position)
                    : ReadToken(value, ref position);
                if (parameterValue is null)
                {
                    return false;
                }
            }

            parameters.Add(new(parameter, parameterValue));
        }
    }

    private static string? ReadToken(string value, ref int position)
    {
        var start = position;
        while (position < value.Length && HttpSyntax.IsToken(value.AsSpan(position, 1)))
        {
            position++;
        }

        return position > start ? value[start..position] : null;
    }

    /// <summary>Reads a quoted-string whose content, after removing quoted-pair escapes, is a token (RFC 6455 §9.1).</summary>
    private static string? ReadQuotedToken(string value, ref int position)
    {
        position++;
        var content = new System.Text.StringBuilder();
        while (position < value.Length && value[position] != '"')
        {
            if (value[position] == '\\')
            {
                position++;
                if (position == value.Length)
                {
                    return null;
                }
            }

            content.Append(value[position]);
            position++;
        }

        if (position == value.Length)
        {
            return null;
        }

        position++;
        var text = content.ToString();
        return HttpSyntax.IsToken(text) ? text : null;
    }

    private static void SkipWhitespace(string value, ref int position)
    {
        while (position < value.Length && value[position] is ' ' or '\t')
        {
            position++;
        }
    }
}
