using System.Net;
using System.Net.Security;
using System.Reactive.Concurrency;

namespace RxSockets.Transport.Connect;

/// <summary>
/// What the client's connect path (connector, route, proxy choice, redirects, handshake deadline) reads, and nothing
/// else: built per connection attempt from validated public options by <c>WebSocketClientOptions.ToConnectSettings</c>,
/// so Transport never sees the public options classes. Immutable.
/// </summary>
internal sealed record ConnectSettings
{
    /// <summary>The subprotocols to offer, most preferred first.</summary>
    public required IReadOnlyList<string> SubProtocols { get; init; }

    /// <summary>Extra request headers; credentials among them are dropped on a redirect elsewhere (see <see cref="RedirectChain"/>).</summary>
    public required IEnumerable<KeyValuePair<string, string>> Headers { get; init; }

    /// <summary>The <c>Origin</c> to send, or null for none.</summary>
    public string? Origin { get; init; }

    /// <summary>The TLS options for wss:// (copied from the user's), or null for the defaults.</summary>
    public SslClientAuthenticationOptions? SslOptions { get; init; }

    /// <summary>The proxy configured explicitly, or null.</summary>
    public IWebProxy? Proxy { get; init; }

    /// <summary>Without <see cref="Proxy"/>, whether the environment's proxy variables are honoured.</summary>
    public required bool UseEnvironmentProxy { get; init; }

    /// <summary>Reads an environment variable (for the proxy variables).</summary>
    public required Func<string, string?> EnvironmentVariables { get; init; }

    /// <summary>Resolves a host name to its addresses, tried in turn.</summary>
    public required Func<string, CancellationToken, Task<IPAddress[]>> ResolveHost { get; init; }

    /// <summary>Whether 3xx answers to the upgrade are followed.</summary>
    public required bool FollowRedirects { get; init; }

    /// <summary>The most redirects one attempt follows.</summary>
    public required int MaxRedirects { get; init; }

    /// <summary>The time the whole connect may take (TCP, proxy, TLS, upgrade, redirects);
    /// <see cref="Timeout.InfiniteTimeSpan"/> = no limit.</summary>
    public required TimeSpan HandshakeTimeout { get; init; }

    /// <summary>The clock of <see cref="HandshakeTimeout"/>.</summary>
    public required IScheduler Scheduler { get; init; }

    /// <summary>The largest HTTP head (proxy answer, upgrade answer) read, in bytes.</summary>
    public required int MaxHeaderBytes { get; init; }

    /// <summary>What to offer of permessage-deflate (the offer and the check of the answer are
    /// <see cref="Protocol.Deflate.DeflateNegotiation"/>'s), or null to offer none.</summary>
    public Protocol.Deflate.DeflatePreferences? Deflate { get; init; }
}
