namespace RxSockets;

/// <summary>
/// The messaging protocol (<c>rxsockets.v1</c>) on a reconnecting <see cref="WebSocketClient"/>: topic subscriptions
/// that recover what they missed across reconnects (<see cref="WebSocketClient.Topic"/>), publishing acknowledged by
/// the server (<see cref="WebSocketClient.PublishAsync(string, Message, CancellationToken)"/>), and requests in both
/// directions (<see cref="WebSocketClient.RequestAsync"/>, <see cref="WebSocketClient.MapRequest"/>). Set it on
/// <see cref="WebSocketClientOptions.Messaging"/>; the server must speak the protocol (an RxSockets server with
/// messaging on).
/// </summary>
/// <remarks>Not thread-safe while being configured; copied when a client is created from it.</remarks>
/// <example>
/// <code>
/// await using var client = new WebSocketClient("ws://localhost:8080/", new WebSocketClientOptions
/// {
///     Messaging = new MessagingClientOptions { RequestTimeout = TimeSpan.FromSeconds(10) },
/// });
/// client.Topic("prices").Subscribe(message => Console.WriteLine(message.GetText()));
/// await client.StartAsync();
/// </code>
/// </example>
public sealed class MessagingClientOptions
{
    /// <summary>How long a request or an acknowledged publish waits for its answer, from the call (time spent waiting
    /// for a connection counts); then it fails with a <see cref="RequestFailedException"/> whose code is
    /// <see cref="MessagingErrorCodes.Timeout"/>. Subscriptions do not time out.</summary>
    /// <value>The default is 30 seconds, on the client's <see cref="ConnectionOptions.Scheduler"/>.</value>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most requests and publishes awaiting their answer at once (sent, or queued while disconnected); one
    /// more fails at once with a <see cref="RequestFailedException"/> whose code is <see cref="MessagingErrorCodes.Limit"/>.</summary>
    /// <value>The default is 100, as the server's limit per connection.</value>
    public int MaxPendingRequests { get; set; } = 100;

    /// <summary>Checks every property, naming the options property that holds these options.</summary>
    internal void Validate(string owner)
    {
        if (!(RequestTimeout > TimeSpan.Zero && RequestTimeout != Timeout.InfiniteTimeSpan))
        {
            throw new ArgumentException($"{owner}.{nameof(RequestTimeout)} must be positive.", owner);
        }

        if (MaxPendingRequests < 1)
        {
            throw new ArgumentException($"{owner}.{nameof(MaxPendingRequests)} must be 1 or more.", owner);
        }
    }

    internal MessagingClientOptions Clone() => (MessagingClientOptions)MemberwiseClone();
}
