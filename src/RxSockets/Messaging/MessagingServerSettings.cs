namespace RxSockets.Messaging;

/// <summary>
/// What the server's side of the messaging protocol reads: the limits, the authorization hooks and the request
/// handlers of the server's validated <c>MessagingServerOptions</c>, made by its <c>ToSettings</c>. The handlers come
/// bound to their server (a handler is given a <c>MessagingRequest</c>, which names the server: the façade above this
/// feature builds it). Immutable.
/// </summary>
internal sealed record MessagingServerSettings
{
    /// <summary>The most topics one connection may be subscribed to at once.</summary>
    public required int MaxSubscriptions { get; init; }

    /// <summary>The most requests handled at once per connection, and the most the server may have pending on one.</summary>
    public required int MaxPendingRequests { get; init; }

    /// <summary>How long a handler may take, and how long the server's own requests wait for the reply.</summary>
    public required TimeSpan RequestTimeout { get; init; }

    /// <summary>Returns null to allow a subscription, or the reason to refuse it; null allows every one.</summary>
    public Func<WebSocketConnection, string, CancellationToken, ValueTask<string?>>? AuthorizeSubscribe { get; init; }

    /// <summary>As <see cref="AuthorizeSubscribe"/>, for publications.</summary>
    public Func<WebSocketConnection, string, CancellationToken, ValueTask<string?>>? AuthorizePublish { get; init; }

    /// <summary>The handlers of clients' requests by name (ordinal), each bound to its server.</summary>
    public required IReadOnlyDictionary<string, ServerRequestHandler> RequestHandlers { get; init; }
}
