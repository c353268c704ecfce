using System.Text;

namespace RxSockets.Protocol.Handshake;

/// <summary>
/// The header names and values nearly every WebSocket handshake carries, as shared string instances: a server keeps
/// each connection's request, and ten thousand copies of "Sec-WebSocket-Version" or "websocket" are memory an idle
/// connection should not cost. Matching is exact (case-sensitive), so the text a peer sent is kept as sent.
/// </summary>
internal static class CommonHeaderStrings
{
    private static readonly string[] s_names =
    [
        "Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Protocol",
        "Sec-WebSocket-Extensions", "Sec-WebSocket-Accept", "Origin", "User-Agent", "Accept-Encoding",
        "Accept-Language", "Cache-Control", "Pragma", "Cookie", "Authorization",
        "host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version", "sec-websocket-protocol",
        "sec-websocket-extensions", "sec-websocket-accept", "origin", "user-agent",
    ];

    private static readonly string[] s_values =
    [
        "websocket", "Upgrade", "upgrade", "keep-alive, Upgrade", "Upgrade, keep-alive", "13", "8", "no-cache",
        "gzip, deflate, br", "gzip, deflate, br, zstd", "permessage-deflate; client_max_window_bits",
    ];

    private static readonly byte[][] s_nameBytes = Encode(s_names);
    private static readonly byte[][] s_valueBytes = Encode(s_values);

    /// <summary>The shared instance for a common header name, or a new string.</summary>
    public static string Name(ReadOnlySpan<byte> ascii) => Find(ascii, s_nameBytes, s_names) ?? Encoding.ASCII.GetString(ascii);

    /// <summary>The shared instance for a common header value, or null when <paramref name="bytes"/> is not one.</summary>
    public static string? Value(ReadOnlySpan<byte> bytes) => Find(bytes, s_valueBytes, s_values);

    private static string? Find(ReadOnlySpan<byte> bytes, byte[][] candidates, string[] strings)
    {
        for (var i = 0; i < candidates.Length; i++)
        {
            if (bytes.SequenceEqual(candidates[i]))
            {
                return strings[i];
            }
        }

        return null;
    }

    private static byte[][] Encode(string[] strings) => Array.ConvertAll(strings, Encoding.ASCII.GetBytes);
}
