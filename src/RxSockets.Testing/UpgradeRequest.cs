using System.Security.Cryptography;

namespace RxSockets.Testing;

/// <summary>The upgrade request a client with given options would send, for a server to check.</summary>
internal static class UpgradeRequest
{
    public static HandshakeRequest For(string path, WebSocketClientOptions options)
    {
        var headers = new List<KeyValuePair<string, string>>
        {
            new("Host", "localhost"),
            new("Upgrade", "websocket"),
            new("Connection", "Upgrade"),
            new("Sec-WebSocket-Key", Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))),
            new("Sec-WebSocket-Version", "13"),
        };
        if (options.Origin is { } origin)
        {
            headers.Add(new("Origin", origin));
        }

        if (options.SubProtocols.Count > 0)
        {
            headers.Add(new("Sec-WebSocket-Protocol", string.Join(", ", options.SubProtocols)));
        }

        foreach (var header in options.Headers)
        {
            headers.Add(header);
        }

        return HandshakeRequest.Create("GET", path, headers);
    }
}
