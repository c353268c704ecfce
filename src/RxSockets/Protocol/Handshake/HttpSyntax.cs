using System.Buffers;

namespace RxSockets.Protocol.Handshake;

/// <summary>The few HTTP grammar rules (RFC 9110 §5.5, §5.6) the handshake needs, for bytes and for strings.</summary>
/// <remarks>Stateless and thread-safe.</remarks>
internal static class HttpSyntax
{
    private const string TokenCharacters =
        "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private static readonly SearchValues<byte> s_tokenBytes =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    private static readonly SearchValues<char> s_tokenChars = SearchValues.Create(TokenCharacters);

    /// <summary>Optional whitespace (OWS): space and horizontal tab.</summary>
    internal static ReadOnlySpan<byte> WhitespaceBytes => " \t"u8;

    /// <summary>Tells whether <paramref name="value"/> is a non-empty RFC 9110 token (a header name, a method).</summary>
    public static bool IsToken(ReadOnlySpan<byte> value) => !value.IsEmpty && !value.ContainsAnyExcept(s_tokenBytes);

    /// <summary>Tells whether <paramref name="value"/> is a non-empty RFC 9110 token.</summary>
    public static bool IsToken(ReadOnlySpan<char> value) => !value.IsEmpty && !value.ContainsAnyExcept(s_tokenChars);

    /// <summary>
    /// Tells whether <paramref name="value"/> may stand in a field value: no control character except HTAB, no DEL.
    /// This is what keeps CR, LF and NUL out of everything we parse.
    /// </summary>
    public static bool IsFieldValue(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if ((b < 0x20 && b != (byte)'\t') || b == 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Tells whether <paramref name="value"/> may be written as a field value: no control character except HTAB,
    /// no DEL. This is what refuses header injection through CR or LF.
    /// </summary>
    public static bool IsFieldValue(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if ((c < '\u0020' && c != '\t') || c == '\u007F')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Removes leading and trailing optional whitespace.</summary>
    public static string TrimWhitespace(string value) => value.Trim(' ', '\t');

    /// <summary>
    /// Splits a comma-separated list (RFC 9110 §5.6.1) into its trimmed, non-empty elements and appends them to
    /// <paramref name="elements"/>. Quoted strings are not special: the lists the handshake reads hold tokens.
    /// </summary>
    public static void SplitList(string value, List<string> elements)
    {
        foreach (var range in value.AsSpan().Split(','))
        {
            var element = value.AsSpan()[range].Trim(" \t");
            if (!element.IsEmpty)
            {
                // A one-element list (the usual offer) is the value itself: no copy.
                elements.Add(element.Length == value.Length ? value : element.ToString());
            }
        }
    }

    /// <summary>Tells whether a comma-separated list contains <paramref name="token"/>, ignoring case.</summary>
    public static bool ListContains(string value, string token)
    {
        foreach (var range in value.AsSpan().Split(','))
        {
            if (value.AsSpan()[range].Trim(" \t").Equals(token, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
