using System.Reactive.Concurrency;
using RxSockets.Protocol.Deflate;

namespace RxSockets.Transport.Accept;

/// <summary>
/// What the server's accept path reads: whom to accept (path, origins, subprotocols, the hooks), the handshake's
/// bounds (time, header size, pending budget), the connection limits and permessage-deflate. Made by the surface from
/// the validated public options (<c>WebSocketServerOptions.ToAcceptSettings</c>), so the accept path never sees the
/// options classes. Immutable.
/// </summary>
internal sealed record AcceptSettings
{
    /// <summary>The path served; null or empty serves any.</summary>
    public string? Path { get; init; }

    /// <summary>The origins allowed (case-insensitive); empty allows any.</summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>The subprotocols listed, used when <see cref="SelectSubProtocol"/> is null.</summary>
    public IReadOnlyList<string> SubProtocols { get; init; } = [];

    /// <summary>The whole subprotocol rule (the protocols the server runs itself, then the user's hook or list; see
    /// <c>SubProtocolRule</c>), or null to pick the first offer listed in <see cref="SubProtocols"/>.</summary>
    public Func<IReadOnlyList<string>, string?>? SelectSubProtocol { get; init; }

    /// <summary>The user's verification hook, or null.</summary>
    public Func<HandshakeRequest, CancellationToken, ValueTask<HandshakeRejection?>>? VerifyClient { get; init; }

    /// <summary>The user's hook adding headers to the 101, or null.</summary>
    public Func<HandshakeRequest, IReadOnlyDictionary<string, string>?>? AddResponseHeaders { get; init; }

    /// <summary>What this server accepts of permessage-deflate, or null when it declines every offer.</summary>
    public DeflatePreferences? Deflate { get; init; }

    /// <summary>The time from accepting a socket to the 101 (TLS included).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The largest request head read.</summary>
    public int MaxHeaderBytes { get; init; } = 16 * 1024;

    /// <summary>The sockets whose request may be arriving at once.</summary>
    public int MaxPendingHandshakes { get; init; } = 1_000;

    /// <summary>The connections (and admitted handshakes) at once.</summary>
    public int MaxConnections { get; init; } = 10_000;

    /// <summary>The connections at once from one address; 0 for no limit.</summary>
    public int MaxConnectionsPerAddress { get; init; }

    /// <summary>The clock of the handshake timeout (virtual in tests).</summary>
    public IScheduler Scheduler { get; init; } = DefaultScheduler.Instance;

    /// <summary>The TLS for wss://, or null for plain ws://.</summary>
    public ServerTlsSettings? Tls { get; init; }
}
