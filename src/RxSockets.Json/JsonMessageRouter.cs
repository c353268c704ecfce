using System.Diagnostics.CodeAnalysis;
using System.Reactive.Disposables;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace RxSockets.Json;

/// <summary>
/// Routes JSON messages by a discriminator property (<c>"type"</c> by default) to one typed
/// <see cref="IObservable{T}"/> per message type; what cannot be routed goes to <see cref="DeadLetters"/>.
/// </summary>
/// <remarks>
/// <para><b>Use.</b> Register the routes with <see cref="On{T}(string, JsonTypeInfo{T})"/>, subscribe to them and to
/// <see cref="DeadLetters"/>, then call <see cref="Connect"/>, which subscribes to the source once. On a server, create
/// one router per connection over its <see cref="WebSocketConnection.Incoming"/> to handle requests per type;
/// <see cref="ReplyToDeadLetters"/> answers each bad request with an error message.</para>
/// <para><b>Parsed once.</b> Each message is parsed once into a <see cref="JsonDocument"/>; the discriminator is read
/// from it and the route binds its type from the parsed document, not from the text again.</para>
/// <para><b>A bad message never ends the streams.</b> A message that is not JSON, has no string discriminator, has an
/// unknown one, or does not bind to its route's type becomes a <see cref="JsonDeadLetter"/> with the reason; so does
/// a message whose subscriber threw (that subscriber is unsubscribed). Every dead letter is counted in
/// <see cref="DeadLetterCount"/>, observed or not. When the source completes or fails, every route and
/// <see cref="DeadLetters"/> complete or fail with it.</para>
/// <para><b>Threading.</b> Values are delivered on the source's thread, one message at a time. Registering is
/// thread-safe; all routes must be registered before <see cref="Connect"/>.</para>
/// </remarks>
public sealed class JsonMessageRouter : IDisposable
{
    private readonly IObservable<Message> _source;
    private readonly string _discriminator;
    private readonly string _errorType;
    private readonly Dictionary<string, IJsonRoute> _routes = new(StringComparer.Ordinal);
    private readonly SubscriberList<JsonDeadLetter> _deadLetters = new();
    private readonly SingleAssignmentDisposable _connection = new();
    private Message _current;
    private string? _currentType;
    private long _deadLetterCount;
    private int _connected;

    /// <summary>Creates a router over a message source.</summary>
    /// <param name="source">The messages, such as <see cref="WebSocketConnection.Incoming"/>.</param>
    /// <param name="options">The options; null for the defaults.</param>
    /// <exception cref="ArgumentException">An option is empty.</exception>
    public JsonMessageRouter(IObservable<Message> source, JsonRouterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= new JsonRouterOptions();
        if (string.IsNullOrEmpty(options.DiscriminatorProperty))
        {
            throw new ArgumentException("DiscriminatorProperty must not be empty.", nameof(options));
        }

        if (string.IsNullOrEmpty(options.ErrorType))
        {
            throw new ArgumentException("ErrorType must not be empty.", nameof(options));
        }

        _source = source;
        _discriminator = options.DiscriminatorProperty;
        _errorType = options.ErrorType;
    }

    /// <summary>The property that selects the route, such as <c>"type"</c>.</summary>
    public string DiscriminatorProperty => _discriminator;

    /// <summary>The messages that could not be routed, each with the reason. Hot; never carries a bad message as an
    /// error.</summary>
    public IObservable<JsonDeadLetter> DeadLetters => _deadLetters;

    /// <summary>How many messages became dead letters, whether or not anyone observed them.</summary>
    public long DeadLetterCount => Interlocked.Read(ref _deadLetterCount);

    /// <summary>Registers the route of a message type.</summary>
    /// <typeparam name="T">The type the message binds to.</typeparam>
    /// <param name="type">The discriminator value, such as <c>"chat"</c>.</param>
    /// <param name="typeInfo">The serialisation contract, usually <c>MyContext.Default.Chat</c>.</param>
    /// <returns>A hot observable of the messages of this type.</returns>
    /// <exception cref="ArgumentException"><paramref name="type"/> is already registered.</exception>
    /// <exception cref="InvalidOperationException">The router is already connected.</exception>
    public IObservable<T> On<T>(string type, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(typeInfo);
        var route = new JsonRoute<T>(typeInfo, error => Dead(JsonDeadLetterReason.HandlerFailed, error));
        lock (_routes)
        {
            if (Volatile.Read(ref _connected) == 1)
            {
                throw new InvalidOperationException("Register every route before Connect.");
            }

            if (!_routes.TryAdd(type, route))
            {
                throw new ArgumentException($"The message type '{type}' already has a route.", nameof(type));
            }
        }

        return route.Values;
    }

    /// <summary>Registers the route of a message type, bound with reflection.</summary>
    /// <typeparam name="T">The type the message binds to.</typeparam>
    /// <param name="type">The discriminator value, such as <c>"chat"</c>.</param>
    /// <param name="options">Serialiser options; null for the defaults.</param>
    /// <returns>A hot observable of the messages of this type.</returns>
    [RequiresUnreferencedCode(JsonReflection.UnreferencedCodeMessage)]
    [RequiresDynamicCode(JsonReflection.DynamicCodeMessage)]
    public IObservable<T> On<T>(string type, JsonSerializerOptions? options = null) => On(type, JsonReflection.GetTypeInfo<T>(options));

    /// <summary>Subscribes to the source: routing starts. Call once, after registering the routes.</summary>
    /// <returns>Disposing it stops routing (the routes then neither complete nor fail).</returns>
    /// <exception cref="InvalidOperationException">Already connected.</exception>
    public IDisposable Connect()
    {
        lock (_routes)
        {
            if (Interlocked.Exchange(ref _connected, 1) == 1)
            {
                throw new InvalidOperationException("The router is already connected.");
            }
        }

        _connection.Disposable = _source.Subscribe(Route, OnSourceError, OnSourceCompleted);
        return _connection;
    }

    /// <summary>Answers every dead letter with an error message on <paramref name="connection"/>, such as
    /// <c>{"type":"error","reason":"unknown-discriminator","detail":"Unknown message type 'x'."}</c>. The reply goes
    /// through <see cref="WebSocketConnection.Outgoing"/>, so it never blocks the router.</summary>
    /// <param name="connection">Where the replies go, usually the connection the router reads.</param>
    /// <returns>Disposing it stops the replies.</returns>
    public IDisposable ReplyToDeadLetters(WebSocketConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return _deadLetters.Subscribe(new ErrorReplier(connection, _discriminator, _errorType));
    }

    /// <summary>Stops routing.</summary>
    public void Dispose() => _connection.Dispose();

    private void Route(Message message)
    {
        _current = message;
        _currentType = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message.Data);
        }
        catch (JsonException error)
        {
            Dead(JsonDeadLetterReason.NotJson, error);
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty(_discriminator, out var discriminator)
                || discriminator.ValueKind != JsonValueKind.String)
            {
                Dead(JsonDeadLetterReason.MissingDiscriminator, null);
                return;
            }

            _currentType = discriminator.GetString();
            if (_currentType is null || !_routes.TryGetValue(_currentType, out var route))
            {
                Dead(JsonDeadLetterReason.UnknownDiscriminator, null);
                return;
            }

            if (route.Deliver(root) is { } bindError)
            {
                Dead(JsonDeadLetterReason.BindFailed, bindError);
            }
        }
    }

    private void Dead(JsonDeadLetterReason reason, Exception? error)
    {
        Interlocked.Increment(ref _deadLetterCount);
        _deadLetters.Next(new JsonDeadLetter(_current, reason, _currentType, error));
    }

    private void OnSourceError(Exception error)
    {
        foreach (var route in _routes.Values)
        {
            route.Error(error);
        }

        _deadLetters.Error(error);
    }

    private void OnSourceCompleted()
    {
        foreach (var route in _routes.Values)
        {
            route.Complete();
        }

        _deadLetters.Complete();
    }

    /// <summary>Turns dead letters into error replies; ignores the end of the dead letters (the connection's own close
    /// ends it), so the reply sink never closes the connection.</summary>
    private sealed class ErrorReplier(WebSocketConnection connection, string discriminator, string errorType) : IObserver<JsonDeadLetter>
    {
        public void OnNext(JsonDeadLetter value) =>
            connection.Outgoing.OnNext(JsonErrorReply.Create(discriminator, errorType, JsonErrorReply.ReasonCode(value.Reason), value.Description));

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }
}
