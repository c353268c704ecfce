using System.Buffers;
using System.Text;

namespace RxSockets.Protocol.Handshake;

/// <summary>
/// A bounded, strict HTTP/1.1 head parser (RFC 9112 §2–§5) over <see cref="ReadOnlySequence{T}"/>.
/// </summary>
/// <remarks>
/// <para>Strictness, chosen on purpose because the handshake is the attack surface of a server:</para>
/// <list type="bullet">
/// <item>Every line ends in CRLF. A bare LF or a bare CR is refused as malformed (RFC 9112 §2.2 lets a recipient
/// accept a bare LF, but no WebSocket peer needs it and refusing it removes a request-smuggling ambiguity).</item>
/// <item>No empty line before the start line, no obsolete line folding (RFC 9112 §5.2), no whitespace between a
/// field name and its colon (RFC 9112 §5.1), no control character other than HTAB in a field value.</item>
/// <item>Field values are decoded as UTF-8, with invalid sequences replaced by U+FFFD.</item>
/// </list>
/// <para>Stateless and thread-safe: each call rescans the (bounded) buffer from its start.</para>
/// </remarks>
internal static class HttpHeadParser
{
    private static readonly UTF8Encoding s_lossyUtf8 = new(encoderShouldEmitUTF8Identifier: false);

    // Version is immutable: the common ones are shared rather than made per head.
    private static readonly Version s_http11 = new(1, 1);
    private static readonly Version s_http10 = new(1, 0);
    private static readonly Version s_noVersion = new(0, 0);

    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    /// <summary>Implements <see cref="HttpHead.TryParse"/>.</summary>
    public static HttpHeadParseStatus TryParse(
        ref ReadOnlySequence<byte> buffer, HttpHeadKind kind, int maxHeaderBytes, int maxHeaderCount,
        out HttpHead? head, out string? error)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxHeaderBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxHeaderCount);
        head = null;

        var status = FindEnd(buffer, maxHeaderBytes, out var length, out error);
        if (status != HttpHeadParseStatus.Complete)
        {
            return status;
        }

        ReadOnlySpan<byte> bytes = buffer.FirstSpan.Length >= length ? buffer.FirstSpan[..length] : buffer.Slice(0, length).ToArray();

        // Drop the final empty line: what remains is the start line and the fields, each ending in CRLF.
        status = Parse(bytes[..^2], kind, maxHeaderCount, out head, out error);
        if (status == HttpHeadParseStatus.Complete)
        {
            buffer = buffer.Slice(length);
        }

        return status;
    }

    private static HttpHeadParseStatus FindEnd(
        in ReadOnlySequence<byte> buffer, int maxHeaderBytes, out int length, out string? error)
    {
        length = 0;
        error = null;
        var position = 0;
        var lineStart = 0;
        byte previous = 0;
        foreach (var segment in buffer)
        {
            foreach (var b in segment.Span)
            {
                if (position == maxHeaderBytes)
                {
                    error = $"the HTTP head is longer than {maxHeaderBytes} bytes";
                    return HttpHeadParseStatus.TooLarge;
                }

                position++;
                if (b == (byte)'\n')
                {
                    if (previous != (byte)'\r')
                    {
                        return Malformed("bare LF in the HTTP head", out error);
                    }

                    if (position - lineStart == 2)
                    {
                        if (lineStart == 0)
                        {
                            return Malformed("empty line before the start line", out error);
                        }

                        length = position;
                        return HttpHeadParseStatus.Complete;
                    }

                    lineStart = position;
                }
                else if (previous == (byte)'\r')
                {
                    return Malformed("bare CR in the HTTP head", out error);
                }

                previous = b;
            }
        }

        return HttpHeadParseStatus.NeedMoreData;
    }

    private static HttpHeadParseStatus Parse(
        ReadOnlySpan<byte> lines, HttpHeadKind kind, int maxHeaderCount, out HttpHead? head, out string? error)
    {
        head = null;
        var end = lines.IndexOf(Crlf);
        var startLine = lines[..end];
        lines = lines[(end + 2)..];

        // One exact array, no growing list: the request keeps it for the connection's lifetime.
        var lineCount = lines.Count(Crlf);
        var fields = lineCount == 0 ? [] : new KeyValuePair<string, string>[Math.Min(lineCount, maxHeaderCount)];
        var count = 0;
        while (!lines.IsEmpty)
        {
            end = lines.IndexOf(Crlf);
            if (count == maxHeaderCount)
            {
                error = $"the HTTP head has more than {maxHeaderCount} header fields";
                return HttpHeadParseStatus.TooLarge;
            }

            if (!TryParseField(lines[..end], out fields[count], out error))
            {
                return HttpHeadParseStatus.Malformed;
            }

            count++;
            lines = lines[(end + 2)..];
        }

        var parsed = kind == HttpHeadKind.Request
            ? TryParseRequestLine(startLine, fields, out head, out error)
            : TryParseStatusLine(startLine, fields, out head, out error);
        return parsed ? HttpHeadParseStatus.Complete : HttpHeadParseStatus.Malformed;
    }

    private static bool TryParseField(ReadOnlySpan<byte> line, out KeyValuePair<string, string> field, out string? error)
    {
        field = default;
        if (line[0] is (byte)' ' or (byte)'\t')
        {
            error = "obsolete line folding in a header field";
            return false;
        }

        var colon = line.IndexOf((byte)':');
        if (colon < 0)
        {
            error = "a header line has no colon";
            return false;
        }

        var name = line[..colon];
        if (!HttpSyntax.IsToken(name))
        {
            error = "invalid header field name";
            return false;
        }

        var value = line[(colon + 1)..].Trim(HttpSyntax.WhitespaceBytes);
        if (!HttpSyntax.IsFieldValue(value))
        {
            error = "control character in a header field value";
            return false;
        }

        error = null;
        var fieldName = CommonHeaderStrings.Name(name);
        field = new(fieldName, CommonHeaderStrings.Value(value) ?? CommonHeaderStrings.RepeatedValue(fieldName, value) ?? s_lossyUtf8.GetString(value));
        return true;
    }

    private static bool TryParseRequestLine(
        ReadOnlySpan<byte> line, KeyValuePair<string, string>[] fields, out HttpHead? head, out string? error)
    {
        head = null;
        var firstSpace = line.IndexOf((byte)' ');
        var method = firstSpace < 0 ? default : line[..firstSpace];
        if (!HttpSyntax.IsToken(method))
        {
            error = "invalid request line";
            return false;
        }

        var rest = line[(firstSpace + 1)..];
        var secondSpace = rest.IndexOf((byte)' ');
        var target = secondSpace < 0 ? default : rest[..secondSpace];

        // RFC 9112 §3.2: a request-target holds only visible ASCII; any whitespace inside it is an error.
        if (target.IsEmpty || target.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E))
        {
            error = "invalid request target";
            return false;
        }

        if (!TryParseVersion(rest[(secondSpace + 1)..], out var version))
        {
            error = "invalid HTTP version in the request line";
            return false;
        }

        error = null;
        head = HttpHead.CreateRequest(CommonHeaderStrings.Method(method), CommonHeaderStrings.Target(target), version, fields);
        return true;
    }

    private static bool TryParseStatusLine(
        ReadOnlySpan<byte> line, KeyValuePair<string, string>[] fields, out HttpHead? head, out string? error)
    {
        head = null;
        error = "invalid status line";
        var space = line.IndexOf((byte)' ');
        if (space < 0 || !TryParseVersion(line[..space], out var version))
        {
            return false;
        }

        var rest = line[(space + 1)..];
        if (rest.Length < 3 || rest[..3].ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            return false;
        }

        var statusCode = ((rest[0] - '0') * 100) + ((rest[1] - '0') * 10) + (rest[2] - '0');

        // RFC 9112 §4: the SP after the status code is required, but a missing one with no reason is common
        // enough in the wild to accept.
        var reason = rest[3..];
        if (!reason.IsEmpty && (reason[0] != (byte)' ' || !HttpSyntax.IsFieldValue(reason)))
        {
            return false;
        }

        error = null;
        var phrase = reason.IsEmpty ? string.Empty : s_lossyUtf8.GetString(reason[1..]);
        head = HttpHead.CreateResponse(version, statusCode, phrase, fields);
        return true;
    }

    private static bool TryParseVersion(ReadOnlySpan<byte> text, out Version version)
    {
        // RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive.
        version = s_noVersion;
        if (text.Length != 8 || !text.StartsWith("HTTP/"u8) || text[6] != (byte)'.'
            || !char.IsAsciiDigit((char)text[5]) || !char.IsAsciiDigit((char)text[7]))
        {
            return false;
        }

        version = (text[5], text[7]) switch
        {
            ((byte)'1', (byte)'1') => s_http11,
            ((byte)'1', (byte)'0') => s_http10,
            _ => new Version(text[5] - '0', text[7] - '0'),
        };
        return true;
    }

    private static HttpHeadParseStatus Malformed(string reason, out string? error)
    {
        error = reason;
        return HttpHeadParseStatus.Malformed;
    }
}
