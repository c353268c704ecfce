using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using RxSockets.Server;
using RxSockets.Transport.Accept;

namespace RxSockets;

/// <summary>Options of an embedded <see cref="WebSocketServer"/>: where to listen, whom to accept, and the shared
/// <see cref="ConnectionOptions"/> of every connection it accepts.</summary>
/// <example>
/// <code>
/// var options = new WebSocketServerOptions
/// {
///     Port = 8080,
///     Path = "/chat",
///     AllowedOrigins = { "https://example.com" },
///     VerifyClient = (request, _) => ValueTask.FromResult(
///         request.GetHeader("Authorization") is null ? new HandshakeRejection(401) : null),
/// };
/// </code>
/// </example>
public sealed class WebSocketServerOptions : ConnectionOptions
{
    /// <summary>The address to listen on: an IP literal such as <c>::1</c>, <c>localhost</c>, <c>0.0.0.0</c> (all IPv4
    /// interfaces) or <c>::</c> (all interfaces, IPv6 and IPv4: the socket is dual-stack).</summary>
    /// <value>The default is 127.0.0.1 (loopback only): listening on every interface is a deliberate choice.</value>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The TCP port; 0 picks a free one (see <see cref="WebSocketServer.LocalEndPoint"/>).</summary>
    /// <value>The default is 0.</value>
    public int Port { get; set; }

    /// <summary>The only request path served (others get 404); null or empty serves every path.</summary>
    /// <value>The default is null.</value>
    public string? Path { get; set; }

    /// <summary>Connections open at once; a client beyond the limit is answered 503. A connection counts from the moment
    /// its valid upgrade request has arrived (the <see cref="VerifyClient"/> hook runs on a counted place) until it
    /// closes; a socket whose request is still arriving counts toward <see cref="MaxPendingHandshakes"/> instead.</summary>
    /// <value>The default is 10,000.</value>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>Accepted sockets whose opening handshake request (and TLS handshake, for <c>wss://</c>) has not fully
    /// arrived yet, at once. When a new socket arrives with the budget full, the OLDEST pending handshake is dropped
    /// (answered <c>503 Service Unavailable</c> if its socket takes the answer at once, then closed) rather than the
    /// newcomer refused: clients that trickle their request bytes (slowloris) are the oldest, so they cannot keep a
    /// real client out. Each pending handshake is also bounded by <see cref="ConnectionOptions.HandshakeTimeout"/>.</summary>
    /// <value>The default is 1,000.</value>
    public int MaxPendingHandshakes { get; set; } = 1_000;

    /// <summary>Connections open at once from one remote IP address (IPv4-mapped IPv6 addresses count as IPv4); a
    /// client beyond the limit is answered <c>429 Too Many Requests</c> (the per-client answer, whereas the
    /// server-wide <see cref="MaxConnections"/> answers 503), counted as <see cref="MaxConnections"/> is. 0 = unlimited. Behind a reverse proxy every client shares
    /// the proxy's address.</summary>
    /// <value>The default is 0 (unlimited).</value>
    public int MaxConnectionsPerAddress { get; set; }

    /// <summary>The messages per second each client may send, as a token bucket on
    /// <see cref="ConnectionOptions.Scheduler"/>: it refills at this rate up to <see cref="MessageRateBurst"/> tokens,
    /// and a message that finds it empty closes the connection with 1008 (policy violation) and the reason
    /// "message rate limit exceeded". 0 = unlimited.</summary>
    /// <value>The default is 0 (unlimited).</value>
    public double MessageRateLimit { get; set; }

    /// <summary>How many messages a client may send at once before <see cref="MessageRateLimit"/> applies (the
    /// bucket's size); 0 = the limit rounded up (one second's worth).</summary>
    /// <value>The default is 0.</value>
    public int MessageRateBurst { get; set; }

    /// <summary>The most messages a connection's send queue may hold when a broadcast or topic publish arrives: beyond
    /// it <see cref="BroadcastOverflow"/> decides. 0 = <see cref="ConnectionOptions.SendQueueCapacity"/> (the queue's
    /// own limit, which also bounds this one).</summary>
    /// <value>The default is 0.</value>
    public int BroadcastQueueLimit { get; set; }

    /// <summary>The most payload bytes a connection's send queue may hold (<see cref="WebSocketConnection.BufferedAmount"/>)
    /// for a broadcast or topic publish to be queued without <see cref="BroadcastOverflow"/> deciding; a message is
    /// always accepted by an empty queue, however large. 0 = <see cref="ConnectionOptions.MaxQueuedBytes"/> (the
    /// queue's own byte budget, which also bounds this one).</summary>
    /// <value>The default is 0 (the send queue's <see cref="ConnectionOptions.MaxQueuedBytes"/>).</value>
    public long BroadcastByteLimit { get; set; }

    /// <summary>How long a broadcast or topic publish waits, under <see cref="RxSockets.BroadcastOverflow.Wait"/>, for a
    /// connection over its budget to make room, on <see cref="ConnectionOptions.Scheduler"/>. A connection that has not
    /// made room by then is closed with 1013 (try again later) and the message is counted as dropped for it: one client
    /// that stopped reading stalls the publisher (and the other recipients' next messages) for this long at most.
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits for ever (until keepalive drops the client).</summary>
    /// <value>The default is 5 seconds.</value>
    public TimeSpan BroadcastWaitTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>What a broadcast or topic publish does for a connection over its budget
    /// (<see cref="BroadcastQueueLimit"/>, <see cref="BroadcastByteLimit"/>). Drops are counted in
    /// <see cref="WebSocketConnection.DroppedOutgoing"/>, <see cref="WebSocketTopic.DroppedMessages"/> and
    /// <see cref="WebSocketServer.DroppedBroadcasts"/>.</summary>
    /// <value>The default is <see cref="RxSockets.BroadcastOverflow.Wait"/>, bounded by
    /// <see cref="BroadcastWaitTimeout"/>.</value>
    public BroadcastOverflow BroadcastOverflow { get; set; } = BroadcastOverflow.Wait;

    /// <summary>The listen backlog: connections the OS queues before they are accepted.</summary>
    /// <value>The default is 512.</value>
    public int Backlog { get; set; } = 512;

    /// <summary>Origins allowed to connect (compared case-insensitively); a browser page from another origin is
    /// answered 403. Empty allows any origin, and requests without Origin (non-browser clients) always pass.</summary>
    /// <value>The default is empty.</value>
    public IList<string> AllowedOrigins { get; private set; } = [];

    /// <summary>Subprotocols the server speaks; the first one the client offers that is in this list is selected.</summary>
    /// <value>The default is empty: no subprotocol is selected.</value>
    public IList<string> SubProtocols { get; private set; } = [];

    /// <summary>Picks a subprotocol from the client's offers (most preferred first), or null for none; when set it
    /// replaces the <see cref="SubProtocols"/> rule. It must return one of the offers.</summary>
    /// <value>The default is null.</value>
    public Func<IReadOnlyList<string>, string?>? SelectSubProtocol { get; set; }

    /// <summary>Decides whether to accept a client after the handshake request passed the protocol checks: return null
    /// to accept, or a <see cref="HandshakeRejection"/> (401, 403, …) to refuse. It sees the path, query, headers,
    /// origin and remote address. Exceptions answer 500.</summary>
    /// <value>The default is null: every valid request is accepted.</value>
    public Func<HandshakeRequest, CancellationToken, ValueTask<HandshakeRejection?>>? VerifyClient { get; set; }

    /// <summary>Adds headers to the <c>101 Switching Protocols</c> answer of an accepted client (ws's
    /// <c>headers</c> event), such as <c>Set-Cookie</c> or a session id; it runs after <see cref="VerifyClient"/>
    /// accepted, and returns null (or nothing) to add none. Names are case-insensitive; the handshake's own headers
    /// (<c>Upgrade</c>, <c>Connection</c>, <c>Sec-WebSocket-Accept</c>, <c>-Protocol</c>, <c>-Extensions</c>,
    /// <c>Content-Length</c>, <c>Transfer-Encoding</c>), names that are not HTTP tokens and values holding CR or LF are
    /// refused: the client is then answered 500, as when the hook throws. A client reads them on
    /// <see cref="WebSocketConnection.ResponseHeaders"/>; a detached server adds them to
    /// <see cref="WebSocketUpgrade.ResponseHeaders"/>.</summary>
    /// <value>The default is null: no headers are added.</value>
    public Func<HandshakeRequest, IReadOnlyDictionary<string, string>?>? AddResponseHeaders { get; set; }

    /// <summary>The certificate, with its private key, that serves <c>wss://</c>: when set (or
    /// <see cref="CertificatePath"/> is), every connection starts with a TLS handshake, bounded by
    /// <see cref="ConnectionOptions.HandshakeTimeout"/>, and <see cref="WebSocketServer.Url"/> starts with <c>wss://</c>.
    /// The server does not dispose it.</summary>
    /// <value>The default is null: plain <c>ws://</c>.</value>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>A PKCS#12 (.pfx) file holding the certificate and private key that serve <c>wss://</c>, loaded when the
    /// server starts (an <see cref="ArgumentException"/> naming this property when it cannot be read); the alternative
    /// to <see cref="Certificate"/>.</summary>
    /// <value>The default is null.</value>
    public string? CertificatePath { get; set; }

    /// <summary>The password of the <see cref="CertificatePath"/> file.</summary>
    /// <value>The default is null: no password.</value>
    public string? CertificatePassword { get; set; }

    /// <summary>Whether every client must present a TLS client certificate (mutual TLS); a client without one, or
    /// with one that fails validation, is refused during the TLS handshake. Requires a server certificate.</summary>
    /// <value>The default is false.</value>
    public bool ClientCertificateRequired { get; set; }

    /// <summary>Decides whether to accept a client's certificate (the certificate is null when the client sent none).
    /// When set, the server asks every client for a certificate. Exceptions refuse the client.</summary>
    /// <value>The default is null: a certificate is accepted when the system trusts it
    /// (<see cref="SslPolicyErrors.None"/>).</value>
    public RemoteCertificateValidationCallback? ClientCertificateValidation { get; set; }

    /// <summary>The TLS versions the server accepts.</summary>
    /// <value>The default is null: the operating system's choice.</value>
    public SslProtocols? EnabledSslProtocols { get; set; }

    /// <summary>Resumable sessions (see <see cref="ResumeOptions"/>): a client that offers the
    /// <c>rxsockets.resume.v1</c> subprotocol is given a <see cref="ResumableSession"/> (through
    /// <see cref="WebSocketServer.Sessions"/>, not <see cref="WebSocketServer.Connections"/>) that outlives its
    /// connections for <see cref="ResumeOptions.SessionTimeout"/> after each drop. Other clients are unaffected.</summary>
    /// <value>The default is null: off.</value>
    public ResumeOptions? Resume { get; set; }

    /// <summary>The messaging protocol (see <see cref="MessagingServerOptions"/>): a client that offers the subprotocol
    /// <c>rxsockets.v1</c> is given topic subscriptions that recover, acknowledged publishing and requests both ways.
    /// Such connections are in <see cref="WebSocketServer.Clients"/> and <see cref="WebSocketServer.MessagingClients"/>,
    /// not in <see cref="WebSocketServer.Connections"/> (the protocol reads their messages), and raw broadcasts skip
    /// them. Other clients are unaffected.</summary>
    /// <value>The default is null: off.</value>
    public MessagingServerOptions? Messaging { get; set; }

    /// <summary>What joins this server to others as one (topics, broadcasts, presence and topic history across
    /// nodes): for instance <c>new RedisBackplane(...)</c> from the RxSockets.Redis package. The server starts it in
    /// <see cref="WebSocketServer.StartAsync(WebSocketServerOptions, CancellationToken)"/> (an unreachable backplane
    /// fails the start with a <see cref="Scaling.BackplaneUnavailableException"/>) and disposes it when it stops. One
    /// instance per server.</summary>
    /// <value>The default is null: an <see cref="Scaling.InProcessBackplane"/>, this node alone, no external
    /// service.</value>
    public Scaling.IBackplane? Backplane { get; set; }

    /// <summary>The options of each topic, by name, read when the topic is first used on this node (null for the
    /// defaults: no history, the published message as it is). Give every node the same rule.</summary>
    /// <value>The default is null.</value>
    public Func<string, TopicOptions?>? ConfigureTopic { get; set; }

    /// <summary>Named broadcast filters, for broadcasts that cross nodes: a delegate cannot travel to another node, a
    /// name can, and each node runs its own filter of that name over its own connections (see
    /// <see cref="WebSocketServer.BroadcastAsync(Message, WebSocketConnection?, string?, CancellationToken)"/>).
    /// Register the same names on every node.</summary>
    /// <value>The default is empty.</value>
    public IDictionary<string, Func<WebSocketConnection, bool>> BroadcastFilters { get; private set; } =
        new Dictionary<string, Func<WebSocketConnection, bool>>(StringComparer.Ordinal);

    /// <inheritdoc />
    protected internal override void Validate()
    {
        base.Validate();
        Require(Certificate is null || CertificatePath is null, nameof(Certificate), "must not be set together with CertificatePath");
        Require(Certificate?.HasPrivateKey != false, nameof(Certificate), "must hold its private key");
        Require(CertificatePath is null || File.Exists(CertificatePath), nameof(CertificatePath), $"must name an existing PFX file ('{CertificatePath}' does not exist)");
        Require(CertificatePassword is null || CertificatePath is not null, nameof(CertificatePassword), "needs CertificatePath");
        var tls = Certificate is not null || CertificatePath is not null;
        Require(tls || !ClientCertificateRequired, nameof(ClientCertificateRequired), "needs a server Certificate or CertificatePath");
        Require(tls || ClientCertificateValidation is null, nameof(ClientCertificateValidation), "needs a server Certificate or CertificatePath");
        Require(tls || EnabledSslProtocols is null, nameof(EnabledSslProtocols), "needs a server Certificate or CertificatePath");
        Require(!string.IsNullOrWhiteSpace(Host), nameof(Host), "must name an address such as 127.0.0.1, localhost or 0.0.0.0");
        Require(Port is >= 0 and <= 65535, nameof(Port), "must be between 0 and 65535");
        Require(string.IsNullOrEmpty(Path) || Path.StartsWith('/'), nameof(Path), "must start with '/'");
        Require(MaxConnections > 0, nameof(MaxConnections), "must be positive");
        Require(Backlog > 0, nameof(Backlog), "must be positive");
        Require(MaxPendingHandshakes > 0, nameof(MaxPendingHandshakes), "must be positive");
        Require(MaxConnectionsPerAddress >= 0, nameof(MaxConnectionsPerAddress), "must be 0 (unlimited) or positive");
        Require(MessageRateLimit >= 0 && double.IsFinite(MessageRateLimit), nameof(MessageRateLimit), "must be 0 (unlimited) or a positive number of messages per second");
        Require(MessageRateBurst >= 0, nameof(MessageRateBurst), "must be 0 (one second's worth) or positive");
        Require(MessageRateBurst == 0 || MessageRateLimit > 0, nameof(MessageRateBurst), "needs MessageRateLimit");
        Require(BroadcastQueueLimit >= 0 && BroadcastQueueLimit <= SendQueueCapacity, nameof(BroadcastQueueLimit), "must be between 0 (the send queue's capacity) and SendQueueCapacity");
        Require(BroadcastByteLimit >= 0 && BroadcastByteLimit <= MaxQueuedBytes, nameof(BroadcastByteLimit), "must be between 0 (the send queue's byte budget) and MaxQueuedBytes");
        Require(BroadcastWaitTimeout > TimeSpan.Zero || BroadcastWaitTimeout == Timeout.InfiniteTimeSpan, nameof(BroadcastWaitTimeout), "must be positive or Timeout.InfiniteTimeSpan");
        Require(Enum.IsDefined(BroadcastOverflow), nameof(BroadcastOverflow), "is not a defined value");
        PerMessageDeflate?.Validate();
        Resume?.Validate(nameof(Resume));
        Messaging?.Validate(nameof(Messaging));
        foreach (var (name, filter) in BroadcastFilters)
        {
            Require(!string.IsNullOrEmpty(name) && filter is not null, nameof(BroadcastFilters), "must map non-empty names to filters");
        }
    }

    internal new WebSocketServerOptions ValidatedCopy()
    {
        Validate();
        var copy = (WebSocketServerOptions)MemberwiseClone();
        copy.AllowedOrigins = [.. AllowedOrigins];
        copy.SubProtocols = [.. SubProtocols];
        copy.PerMessageDeflate = PerMessageDeflate?.Clone();
        copy.Resume = Resume?.Clone();
        copy.Messaging = Messaging?.Clone();
        copy.BroadcastFilters = new Dictionary<string, Func<WebSocketConnection, bool>>(BroadcastFilters, StringComparer.Ordinal);
        return copy;
    }

    private protected override ConnectionOptions CopyValidated() => ValidatedCopy();

    // The burst defaults to one second's worth.
    private protected override (double Rate, int Burst) PeerMessageRate() =>
        MessageRateLimit > 0 ? (MessageRateLimit, MessageRateBurst > 0 ? MessageRateBurst : Math.Max(1, (int)Math.Ceiling(MessageRateLimit))) : (0d, 0);

    /// <summary>What the accept path reads of these (validated) options, so it never sees the options classes.</summary>
    /// <param name="runsResume">Whether this path runs resumable sessions (a listening server's does, a detached
    /// server's does not), which puts the resume protocols first in the subprotocol rule.</param>
    internal Transport.Accept.AcceptSettings ToAcceptSettings(bool runsResume = true)
    {
        string[] own =
        [
            .. Resume is null || !runsResume ? [] : Resumption.ResumeProtocol.Offered,
            .. Messaging is null ? [] : new[] { RxSockets.Messaging.ProtocolCodec.SubProtocol },
        ];
        var tls = Certificate is not null || CertificatePath is not null
            ? new Transport.Accept.ServerTlsSettings(Certificate, CertificatePath, CertificatePassword, ClientCertificateRequired,
                ClientCertificateValidation, EnabledSslProtocols)
            : null;
        return new()
        {
            Path = Path,
            AllowedOrigins = [.. AllowedOrigins],
            SubProtocols = [.. SubProtocols],
            SelectSubProtocol = SubProtocolRule.For(own, SelectSubProtocol, [.. SubProtocols]),
            VerifyClient = VerifyClient,
            AddResponseHeaders = AddResponseHeaders,
            Deflate = PerMessageDeflate?.ToPreferences(),
            HandshakeTimeout = HandshakeTimeout,
            MaxHeaderBytes = MaxHeaderBytes,
            MaxPendingHandshakes = MaxPendingHandshakes,
            MaxConnections = MaxConnections,
            MaxConnectionsPerAddress = MaxConnectionsPerAddress,
            Scheduler = Scheduler,
            Tls = tls,
        };
    }
}
