namespace RxSockets;

/// <summary>Options of a reconnecting <see cref="WebSocketClient"/> (and of
/// <see cref="WebSocketConnection.ConnectAsync(Uri, ClientConnectionOptions?, CancellationToken)"/>): the client
/// connection's <see cref="ClientConnectionOptions"/>, plus the features the client composes on its connections
/// (<see cref="Resume"/>, <see cref="Messaging"/>).</summary>
/// <example>
/// <code>
/// var options = new WebSocketClientOptions
/// {
///     SubProtocols = { "chat.v2" },
///     Headers = { ["Authorization"] = "Bearer abc" },
///     KeepAliveInterval = TimeSpan.FromSeconds(10),
/// };
/// </code>
/// </example>
public sealed class WebSocketClientOptions : ClientConnectionOptions
{
    /// <summary>Resumable sessions with an RxSockets server (see <see cref="ResumeOptions"/>): a reconnecting client
    /// offers the <c>rxsockets.resume.v1</c> subprotocol before <see cref="ClientConnectionOptions.SubProtocols"/>, and
    /// after a drop resumes the session so that no message is lost or duplicated in either direction.</summary>
    /// <value>The default is null: off; every reconnection is a fresh session.</value>
    public ResumeOptions? Resume { get; set; }

    /// <summary>The messaging protocol (see <see cref="MessagingClientOptions"/>): the client offers the
    /// <c>rxsockets.v1</c> subprotocol before <see cref="ClientConnectionOptions.SubProtocols"/>, fails a connection to a
    /// server that does not select it (a <see cref="HandshakeException"/>), and speaks the protocol: <see cref="WebSocketClient.Topic"/>,
    /// <see cref="WebSocketClient.PublishAsync(string, Message, CancellationToken)"/>, <see cref="WebSocketClient.RequestAsync"/>
    /// and <see cref="WebSocketClient.MapRequest"/>. Raw messages (<see cref="WebSocketClient.SendAsync(Message, CancellationToken)"/>,
    /// <see cref="WebSocketClient.Outgoing"/>) are refused and <see cref="WebSocketClient.Incoming"/> carries nothing. Not
    /// together with <see cref="Resume"/>: subscriptions recover by position instead.</summary>
    /// <value>The default is null: off.</value>
    public MessagingClientOptions? Messaging { get; set; }

    /// <inheritdoc />
    protected internal override void Validate()
    {
        base.Validate();
        Resume?.Validate(nameof(Resume));
        Require(Messaging is null || Resume is null, nameof(Messaging), "cannot be combined with Resume (a connection negotiates one subprotocol; topic subscriptions recover by position instead)");
        Messaging?.Validate(nameof(Messaging));
    }

    internal new WebSocketClientOptions ValidatedCopy()
    {
        Validate();
        var copy = (WebSocketClientOptions)CopyClientConnection();
        copy.Resume = Resume?.Clone();
        copy.Messaging = Messaging?.Clone();
        return copy;
    }

    private protected override ConnectionOptions CopyValidated() => ValidatedCopy();
}
