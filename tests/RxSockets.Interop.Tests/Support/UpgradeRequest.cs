using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace RxSockets.Interop.Tests.Support;

/// <summary>The opening handshake as the loopback server sees it (RFC 6455 §4.2.1). Immutable.</summary>
/// <param name="Target">The request-target, such as <c>/chat</c>.</param>
/// <param name="Headers">The request headers, names case-insensitive; repeated headers joined with ", ".</param>
public sealed record UpgradeRequest(string Target, IReadOnlyDictionary<string, string> Headers)
{
    private const int MaxHeaderBytes = 16 * 1024;

    private static ReadOnlySpan<byte> EndOfHeaders => "\r\n\r\n"u8;

    /// <summary>Gets the subprotocols the client offered, in its order of preference.</summary>
    /// <value>Empty when there is no Sec-WebSocket-Protocol header.</value>
    public IReadOnlyList<string> OfferedSubProtocols =>
        Headers.TryGetValue("Sec-WebSocket-Protocol", out var value)
            ? value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : [];

    /// <summary>Reads the request head byte by byte, so no frame bytes are consumed with it.</summary>
    public static async Task<UpgradeRequest> ReadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var head = new List<byte>(512);
        var one = new byte[1];
        while (!head.EndsWith(EndOfHeaders))
        {
            if (head.Count >= MaxHeaderBytes || await stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new InvalidDataException("The client closed or overflowed the opening handshake.");
            }

            head.Add(one[0]);
        }

        return Parse(Encoding.Latin1.GetString([.. head]));
    }

    /// <summary>Computes Sec-WebSocket-Accept for <paramref name="key"/> (RFC 6455 §4.2.2, step 5.4).</summary>
    public static string ComputeAccept(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
#pragma warning disable CA5350 // RFC 6455 mandates SHA-1 here; it is a fingerprint, not a security boundary.
        var hash = SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"));
#pragma warning restore CA5350
        return Convert.ToBase64String(hash);
    }

    private static UpgradeRequest Parse(string head)
    {
        var lines = head.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || requestLine[0] != "GET")
        {
            throw new InvalidDataException($"Not an upgrade request: '{lines[0]}'.");
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out var earlier) ? $"{earlier}, {value}" : value;
        }

        return new UpgradeRequest(requestLine[1], headers);
    }
}
