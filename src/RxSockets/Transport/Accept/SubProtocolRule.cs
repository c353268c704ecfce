using RxSockets.Messaging;
using RxSockets.Resumption;

namespace RxSockets.Transport.Accept;

/// <summary>The server's subprotocol rule, the same for listening and detached servers: the protocols the server runs
/// itself come first when offered (with <see cref="WebSocketServerOptions.Resume"/> the newest resume version, with
/// <see cref="WebSocketServerOptions.Messaging"/> <c>rxsockets.v1</c>), then the user's rule
/// (<see cref="WebSocketServerOptions.SelectSubProtocol"/>, else the first offer listed in
/// <see cref="WebSocketServerOptions.SubProtocols"/>).</summary>
internal static class SubProtocolRule
{
    /// <param name="options">The server's options.</param>
    /// <param name="resume">Whether this path runs resumable sessions (a detached server does not).</param>
    public static Func<IReadOnlyList<string>, string?>? For(WebSocketServerOptions options, bool resume = true)
    {
        string[] own =
        [
            .. options.Resume is null || !resume ? [] : ResumeProtocol.Offered,
            .. options.Messaging is null ? [] : new[] { ProtocolCodec.SubProtocol },
        ];
        if (own.Length == 0)
        {
            return options.SelectSubProtocol;
        }

        var select = options.SelectSubProtocol;
        string[] listed = [.. options.SubProtocols];
        return offers => Array.Find(own, name => offers.Contains(name, StringComparer.Ordinal))
            ?? (select is not null ? select(offers) : offers.FirstOrDefault(offer => listed.Contains(offer, StringComparer.Ordinal)));
    }
}
