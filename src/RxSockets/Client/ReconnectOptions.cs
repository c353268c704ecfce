using Polly;

namespace RxSockets;

/// <summary>
/// How a <see cref="WebSocketClient"/> reconnects: exponential backoff <c>ReconnectDelay × 2^(attempt−1)</c> capped by
/// <see cref="MaxReconnectDelay"/>, optional jitter, at most <see cref="MaxReconnectAttempts"/> attempts per outage,
/// and a predicate deciding which failures are worth a reconnect. The attempt counter starts again at 1 after every
/// successful connection. Polly executes the attempts; its delays run on <see cref="ConnectionOptions.Scheduler"/>.
/// </summary>
/// <remarks>Validated when a client is created from it (an <see cref="ArgumentException"/> names the property), then
/// copied. Not thread-safe while being configured.</remarks>
/// <example>
/// <code>
/// var reconnect = new ReconnectOptions { ReconnectDelay = TimeSpan.FromMilliseconds(500), MaxReconnectAttempts = 10 };
/// </code>
/// </example>
public sealed class ReconnectOptions
{
    /// <summary>The delay before the first reconnect attempt after a connection is lost; each further attempt doubles it.</summary>
    /// <value>The default is 1 second.</value>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between two attempts, whatever the attempt number.</summary>
    /// <value>The default is 30 seconds.</value>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The fraction of each delay that is random, from 0 (none) to 1: a delay <c>d</c> becomes a uniformly random
    /// value between <c>d × (1 − Jitter)</c> and <c>d</c>, so many clients dropped together do not return together.</summary>
    /// <value>The default is 0: delays are exact.</value>
    public double Jitter { get; set; }

    /// <summary>The most reconnect attempts after one loss before giving up; 0 tries for ever.</summary>
    /// <value>The default is 0 (infinite).</value>
    public int MaxReconnectAttempts { get; set; }

    /// <summary>Decides whether a lost connection or a failed attempt is worth a reconnect. It receives a
    /// <see cref="ConnectionClosedException"/> (its <see cref="ConnectionClosedException.Code"/> tells the close code), a
    /// <see cref="HandshakeException"/> (HTTP status), or the network error.</summary>
    /// <value>The default is <see cref="IsTransient"/>.</value>
    public Func<Exception, bool> ShouldReconnect { get; set; } = IsTransient;

    /// <summary>The messages queued while disconnected (and waiting for the connection's own send queue) before
    /// <see cref="SendOverflow"/> applies.</summary>
    /// <value>The default is 1,024.</value>
    public int SendQueueCapacity { get; set; } = 1024;

    /// <summary>The most payload bytes queued while disconnected (and waiting for the connection's own send queue)
    /// before <see cref="SendOverflow"/> applies, together with <see cref="SendQueueCapacity"/>, whichever is reached
    /// first. An empty queue takes one message however large, so a message bigger than this budget still passes,
    /// alone.</summary>
    /// <value>The default is 1 MiB.</value>
    public long MaxQueuedBytes { get; set; } = 1024 * 1024;

    /// <summary>What happens to a message sent while the client's send queue is full.</summary>
    /// <value>The default is <see cref="SendQueueOverflow.Wait"/>.</value>
    public SendQueueOverflow SendOverflow { get; set; } = SendQueueOverflow.Wait;

    /// <summary>Called before every connection attempt, the first and every reconnect, to choose its URL and headers
    /// (see <see cref="ConnectionAttempt"/>): fetch a fresh token, pick a server. It runs on the client's attempt, so
    /// the attempt waits for it; an exception it throws fails the attempt like a network error would, and
    /// <see cref="ShouldReconnect"/> decides whether to try again (by default it does not: the client gives up with
    /// that exception). The token is cancelled when the client stops.</summary>
    /// <value>The default is null: every attempt uses <see cref="WebSocketClient.Url"/> and
    /// <see cref="ClientConnectionOptions.Headers"/> as they are.</value>
    /// <example>
    /// <code>
    /// reconnect.BeforeConnect = async (attempt, ct) =>
    ///     attempt.Headers["Authorization"] = "Bearer " + await tokens.GetAsync(ct);
    /// </code>
    /// </example>
    public Func<ConnectionAttempt, CancellationToken, ValueTask>? BeforeConnect { get; set; }

    /// <summary>The longest wait that a <c>Retry-After</c> header may impose. When a handshake is refused with 429 (Too
    /// Many Requests) or 503 (Service Unavailable) and a <c>Retry-After</c> (seconds or an HTTP date, see
    /// <see cref="HandshakeException.RetryAfter"/>), the next attempt waits at least that long — longer than the
    /// backoff and than <see cref="MaxReconnectDelay"/> if need be, but never longer than this. Zero ignores
    /// <c>Retry-After</c>. Only the pipeline built from these options honours it, not a custom <see cref="Pipeline"/>.</summary>
    /// <value>The default is 5 minutes.</value>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>An escape hatch: a Polly pipeline that executes the attempts instead of the one built from the options
    /// above (backoff, jitter, attempts; <see cref="ShouldReconnect"/> still decides when the client stops after giving
    /// up). Each execution is one outage: its first call reports the loss (it throws the reason), later calls connect.
    /// Build it with the client's clock if tests use virtual time.</summary>
    /// <value>The default is null: the pipeline is built from these options.</value>
    public ResiliencePipeline? Pipeline { get; set; }

    /// <summary>The default <see cref="ShouldReconnect"/>: true for network errors, timeouts (heartbeat, handshake),
    /// close codes 1001, 1006, 1011, 1012, 1013 and 1014, and handshakes refused with HTTP 5xx, 408 or 429 or lost midway;
    /// false for 1000, 1002, 1003, 1005, 1007–1010, 1015, application codes 3000–4999, HTTP 4xx, invalid handshake answers
    /// and anything else.</summary>
    /// <param name="error">Why the connection ended or the attempt failed.</param>
    /// <returns>True to reconnect.</returns>
    public static bool IsTransient(Exception error) => error switch
    {
        ConnectionClosedException closed => closed.Code is CloseCode.GoingAway or CloseCode.AbnormalClosure
            or CloseCode.InternalError or CloseCode.ServiceRestart or CloseCode.TryAgainLater or CloseCode.BadGateway,
        HandshakeException handshake => handshake.IsTransient,
        TimeoutException or IOException or System.Net.Sockets.SocketException => true,
        _ => false,
    };

    internal ReconnectOptions ValidatedCopy()
    {
        Require(ReconnectDelay >= TimeSpan.Zero, nameof(ReconnectDelay), "must be zero or positive");
        Require(MaxReconnectDelay >= ReconnectDelay, nameof(MaxReconnectDelay), "must be at least ReconnectDelay");
        Require(Jitter is >= 0 and <= 1, nameof(Jitter), "must be between 0 and 1");
        Require(MaxReconnectAttempts >= 0, nameof(MaxReconnectAttempts), "must be 0 (infinite) or positive");
        Require(ShouldReconnect is not null, nameof(ShouldReconnect), "must not be null");
        Require(SendQueueCapacity > 0, nameof(SendQueueCapacity), "must be positive");
        Require(MaxQueuedBytes > 0, nameof(MaxQueuedBytes), "must be positive (a message larger than it still passes an empty queue)");
        Require(Enum.IsDefined(SendOverflow), nameof(SendOverflow), "is not a defined value");
        Require(MaxRetryAfter >= TimeSpan.Zero, nameof(MaxRetryAfter), "must be zero (ignore Retry-After) or positive");
        return (ReconnectOptions)MemberwiseClone();
    }

    /// <summary>The delay before attempt <paramref name="attempt"/> (1-based), without jitter.</summary>
    internal TimeSpan BackoffDelay(int attempt)
    {
        var factor = Math.Pow(2, Math.Min(attempt - 1, 62));
        var ticks = ReconnectDelay.Ticks * factor;
        return ticks >= MaxReconnectDelay.Ticks ? MaxReconnectDelay : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>The wait a refusal asks for with <c>Retry-After</c> (429 and 503 only), capped by
    /// <see cref="MaxRetryAfter"/>; zero when there is none.</summary>
    internal TimeSpan RetryAfterDelay(Exception? error, DateTimeOffset now)
    {
        if (MaxRetryAfter == TimeSpan.Zero || error is not HandshakeException { StatusCode: 429 or 503, RetryAfter: { } retryAfter })
        {
            return TimeSpan.Zero;
        }

        var wait = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - now : TimeSpan.Zero);
        return wait <= TimeSpan.Zero ? TimeSpan.Zero : wait >= MaxRetryAfter ? MaxRetryAfter : wait;
    }

    private static void Require(bool condition, string property, string rule)
    {
        if (!condition)
        {
            throw new ArgumentException($"{property} {rule}.", property);
        }
    }
}
