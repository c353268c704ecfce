using System.Reactive.Concurrency;
using Microsoft.Extensions.Logging;

namespace RxSockets.Transport;

/// <summary>
/// What the connection engine (<see cref="ConnectionDriver"/>) reads, and nothing else: built once from the public
/// options by <c>ConnectionOptions.ToSettings</c>, so Transport never sees the public options classes. Immutable;
/// shared by every connection made from the same (validated) options.
/// </summary>
internal sealed record ConnectionSettings
{
    /// <summary>The largest message accepted, in bytes; larger fails the connection with 1009.</summary>
    public required long MaxMessageSize { get; init; }

    /// <summary>The most frames one message may arrive in; 0 = unlimited.</summary>
    public required int MaxFragments { get; init; }

    /// <summary>Messages received and not yet consumed before the read loop stops reading.</summary>
    public required int ReceiveQueueCapacity { get; init; }

    /// <summary>Messages queued for sending before senders wait (or fail).</summary>
    public required int SendQueueCapacity { get; init; }

    /// <summary>The byte budget of each of the two queues (an empty queue still takes one larger message).</summary>
    public required long MaxQueuedBytes { get; init; }

    /// <summary>Messages are handed to a waiting consumer on the read loop's thread.</summary>
    public required bool InlineDelivery { get; init; }

    /// <summary>The payload size outgoing messages are split at; 0 = never fragment.</summary>
    public required int FragmentSize { get; init; }

    /// <summary>How often a keepalive ping goes out; <see cref="Timeout.InfiniteTimeSpan"/> = no keepalive.</summary>
    public required TimeSpan KeepAliveInterval { get; init; }

    /// <summary>How long after a keepalive ping the peer may stay silent before it is declared dead.</summary>
    public required TimeSpan KeepAliveTimeout { get; init; }

    /// <summary>How long the close handshake may take; <see cref="Timeout.InfiniteTimeSpan"/> = forever.</summary>
    public required TimeSpan CloseTimeout { get; init; }

    /// <summary>Pings are answered by the engine (RFC 6455 §5.5.2).</summary>
    public required bool AutoPong { get; init; }

    /// <summary>Text messages are delivered without checking their UTF-8.</summary>
    public required bool SkipUtf8Validation { get; init; }

    /// <summary>Messages per second the peer may send (a token bucket); 0 = unlimited.</summary>
    public double MessageRateLimit { get; init; }

    /// <summary>The bucket's size for <see cref="MessageRateLimit"/>; at least 1 when a limit is set.</summary>
    public int MessageRateBurst { get; init; }

    /// <summary>The clock of every timer of the connection.</summary>
    public required IScheduler Scheduler { get; init; }

    /// <summary>Where the connection logs.</summary>
    public required ILoggerFactory LoggerFactory { get; init; }
}
