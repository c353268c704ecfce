using System.Collections.Frozen;
using System.Text;

namespace RxSockets.Protocol.Handshake;

/// <summary>
/// The header names and values nearly every WebSocket handshake carries, as shared string instances: a server keeps
/// each connection's request, and ten thousand copies of "Sec-WebSocket-Version" or "websocket" are memory an idle
/// connection should not cost. Matching is exact (case-sensitive), so the text a peer sent is kept as sent. Values
/// that repeat across clients without being known in advance (the Host, the path, the User-Agent) are shared through a
/// table of recent strings; secrets (keys, cookies, credentials, query strings) are never kept there.
/// </summary>
/// <remarks>Thread-safe.</remarks>
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

    // Fields whose values are the same for many clients of one server; never a secret or a per-connection nonce.
    private static readonly FrozenSet<string> s_repeatingNames = new[]
    {
        "Host", "Origin", "User-Agent", "Upgrade", "Connection", "Sec-WebSocket-Version", "Sec-WebSocket-Protocol",
        "Sec-WebSocket-Extensions", "Accept-Encoding", "Accept-Language", "Cache-Control", "Pragma",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly RecentStrings s_recent = new(64);

    private static readonly byte[][] s_nameBytes = Encode(s_names);
    private static readonly byte[][] s_valueBytes = Encode(s_values);

    /// <summary>The shared instance for a common header name, or a new string.</summary>
    public static string Name(ReadOnlySpan<byte> ascii) => Find(ascii, s_nameBytes, s_names) ?? Encoding.ASCII.GetString(ascii);

    /// <summary>The shared instance for a common header value, or null when <paramref name="bytes"/> is not one.</summary>
    public static string? Value(ReadOnlySpan<byte> bytes) => Find(bytes, s_valueBytes, s_values);

    /// <summary>
    /// The shared instance for the value of a field named <paramref name="name"/> whose values repeat across clients,
    /// or null when the field is not one of those or the value cannot be shared (not ASCII, or long).
    /// </summary>
    public static string? RepeatedValue(string name, ReadOnlySpan<byte> value) =>
        s_repeatingNames.Contains(name) ? s_recent.Get(value) : null;

    /// <summary>The shared instance for the request method, or a new string.</summary>
    public static string Method(ReadOnlySpan<byte> ascii) => ascii.SequenceEqual("GET"u8) ? "GET" : Encoding.ASCII.GetString(ascii);

    /// <summary>
    /// The shared instance for a request target without a query (such as <c>/</c> or <c>/chat</c>), or a new string:
    /// a query may carry a token, which must not outlive its request in a shared table.
    /// </summary>
    public static string Target(ReadOnlySpan<byte> ascii) =>
        (ascii.Contains((byte)'?') ? null : s_recent.Get(ascii)) ?? Encoding.ASCII.GetString(ascii);

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
