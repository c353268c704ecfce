namespace RxSockets;

/// <summary>
/// The messaging protocol on a server (<c>rxsockets.v1</c>, see the README's "Messaging protocol"): clients that offer
/// it subscribe to topics (recovering what they missed from the topic's history after a reconnect), publish with an
/// acknowledgment, and make requests the server answers with <see cref="RequestHandlers"/>; the server makes requests to
/// them with <see cref="WebSocketServer.RequestAsync"/>. Other clients are unaffected.
/// </summary>
/// <remarks>Not thread-safe while being configured; copied when a server is created from it.</remarks>
/// <example>
/// <code>
/// var options = new WebSocketServerOptions
/// {
///     Messaging = new MessagingServerOptions
///     {
///         AuthorizeSubscribe = (connection, topic, _) =>
///             ValueTask.FromResult(topic.StartsWith("admin.", StringComparison.Ordinal) ? "admins only" : null),
///     },
///     ConfigureTopic = _ => new TopicOptions { HistorySize = 1_000 },
/// };
/// options.Messaging.RequestHandlers["time"] = (request, _) => ValueTask.FromResult(Message.Text(DateTime.UtcNow.ToString("O")));
/// </code>
/// </example>
public sealed class MessagingServerOptions
{
    /// <summary>The most topics one connection may be subscribed to at once; one more is refused with
    /// <see cref="MessagingErrorCodes.Limit"/>.</summary>
    /// <value>The default is 100.</value>
    public int MaxSubscriptions { get; set; } = 100;

    /// <summary>The most requests of one connection the server handles at once, and the most requests the server may
    /// have pending on one connection. A client's request past it is answered <see cref="MessagingErrorCodes.Limit"/>;
    /// a client that sends as many again while refused is closed with 4008 (policy violation of the protocol).</summary>
    /// <value>The default is 100.</value>
    public int MaxPendingRequests { get; set; } = 100;

    /// <summary>How long a request handler may take before the client is answered <see cref="MessagingErrorCodes.Timeout"/>
    /// (its cancellation token is then cancelled), and how long the server's own requests to a client wait for the reply.</summary>
    /// <value>The default is 30 seconds, on the server's <see cref="ConnectionOptions.Scheduler"/>.</value>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Decides whether a connection may subscribe to a topic: returns null to allow, or the reason to refuse
    /// (sent to the client in an <c>err</c> frame of code <see cref="MessagingErrorCodes.Forbidden"/>). An exception
    /// refuses with <see cref="MessagingErrorCodes.Internal"/>. Clients may name any topic: use it to bound them.</summary>
    /// <value>The default is null: every subscription is allowed.</value>
    public Func<WebSocketConnection, string, CancellationToken, ValueTask<string?>>? AuthorizeSubscribe { get; set; }

    /// <summary>Decides whether a connection may publish to a topic, as <see cref="AuthorizeSubscribe"/>.</summary>
    /// <value>The default is null: every publication is allowed.</value>
    public Func<WebSocketConnection, string, CancellationToken, ValueTask<string?>>? AuthorizePublish { get; set; }

    /// <summary>The handlers of clients' requests, by the request's name (the empty string for requests without one).
    /// A handler's reply is sent back with the request's type of message; a handler that throws
    /// <see cref="RequestFailedException"/> answers with its code and reason, any other exception with
    /// <see cref="MessagingErrorCodes.Internal"/> (no details leak); a request with no handler of its name is answered
    /// <see cref="MessagingErrorCodes.NotFound"/>. Handlers run concurrently, at most
    /// <see cref="MaxPendingRequests"/> per connection.</summary>
    /// <value>The default is empty.</value>
    public IDictionary<string, Func<MessagingRequest, CancellationToken, ValueTask<Message>>> RequestHandlers { get; private set; } =
        new Dictionary<string, Func<MessagingRequest, CancellationToken, ValueTask<Message>>>(StringComparer.Ordinal);

    /// <summary>Checks every property, naming the options property that holds these options.</summary>
    internal void Validate(string owner)
    {
        Require(MaxSubscriptions > 0, owner, nameof(MaxSubscriptions), "must be positive");
        Require(MaxPendingRequests > 0, owner, nameof(MaxPendingRequests), "must be positive");
        Require(RequestTimeout > TimeSpan.Zero && RequestTimeout != Timeout.InfiniteTimeSpan, owner, nameof(RequestTimeout), "must be positive");
        foreach (var (name, handler) in RequestHandlers)
        {
            Require(name is not null && handler is not null, owner, nameof(RequestHandlers), "must map names to handlers");
        }
    }

    internal MessagingServerOptions Clone()
    {
        var copy = (MessagingServerOptions)MemberwiseClone();
        copy.RequestHandlers = new Dictionary<string, Func<MessagingRequest, CancellationToken, ValueTask<Message>>>(RequestHandlers, StringComparer.Ordinal);
        return copy;
    }

    /// <summary>What the server's messaging peers read of these (validated, copied) options, the request handlers bound
    /// to <paramref name="server"/>: the feature below the server reads settings, and the server makes the
    /// <see cref="MessagingRequest"/> that names it.</summary>
    internal Messaging.MessagingServerSettings ToSettings(WebSocketServer server) => new()
    {
        MaxSubscriptions = MaxSubscriptions,
        MaxPendingRequests = MaxPendingRequests,
        RequestTimeout = RequestTimeout,
        AuthorizeSubscribe = AuthorizeSubscribe,
        AuthorizePublish = AuthorizePublish,
        RequestHandlers = RequestHandlers.ToDictionary(entry => entry.Key, entry => Bind(entry.Value, server), StringComparer.Ordinal),
    };

    private static Messaging.ServerRequestHandler Bind(Func<MessagingRequest, CancellationToken, ValueTask<Message>> handler, WebSocketServer server) =>
        (connection, name, request, cancellationToken) => handler(new MessagingRequest(server, connection, name, request), cancellationToken);

    private static void Require(bool condition, string owner, string property, string rule)
    {
        if (!condition)
        {
            throw new ArgumentException($"{owner}.{property} {rule}.", owner);
        }
    }
}
