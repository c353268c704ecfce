using System.Reactive.Concurrency;

namespace RxSockets.Tests.Messaging;

/// <summary>Client options for the messaging client tests: messaging on, keepalive off, the given clock.</summary>
internal static class ClientTestSupport
{
    /// <summary>Reconnects after 20 ms on the real clock: the reconnect tests wait for frames, never for time.</summary>
    public static ReconnectOptions FastReconnect => new() { ReconnectDelay = TimeSpan.FromMilliseconds(20), MaxReconnectDelay = TimeSpan.FromMilliseconds(100) };

    public static WebSocketClientOptions Options(IScheduler? clock = null, MessagingClientOptions? messaging = null) => new()
    {
        Messaging = messaging ?? new MessagingClientOptions(),
        KeepAliveInterval = Timeout.InfiniteTimeSpan,
        Scheduler = clock ?? DefaultScheduler.Instance,
    };
}
