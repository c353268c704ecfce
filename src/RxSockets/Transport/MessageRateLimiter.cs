using System.Reactive.Concurrency;

namespace RxSockets.Transport;

/// <summary>
/// A token bucket over received messages, on the connection's clock (<see cref="ConnectionSettings.Scheduler"/>, so
/// tests run it on virtual time): it holds up to <c>burst</c> tokens, gains <c>rate</c> tokens per second, and each
/// message takes one. Used only by the read loop, so it needs no lock.
/// </summary>
internal sealed class MessageRateLimiter
{
    private readonly IScheduler _clock;
    private readonly double _ratePerTick;
    private readonly double _burst;
    private double _tokens;
    private long _last;

    public MessageRateLimiter(IScheduler clock, double messagesPerSecond, int burst)
    {
        _clock = clock;
        _ratePerTick = messagesPerSecond / TimeSpan.TicksPerSecond;
        _burst = burst;
        _tokens = burst;
        _last = clock.Now.UtcTicks;
    }

    /// <summary>The limiter the settings ask for (a server's <c>MessageRateLimit</c>), or null when there is none.</summary>
    public static MessageRateLimiter? For(ConnectionSettings settings) =>
        settings.MessageRateLimit > 0
            ? new MessageRateLimiter(settings.Scheduler, settings.MessageRateLimit, settings.MessageRateBurst)
            : null;

    /// <summary>Takes a token for one message; false when the bucket is empty (the peer sends too fast).</summary>
    public bool TryTake()
    {
        var now = _clock.Now.UtcTicks;
        if (now > _last)
        {
            _tokens = Math.Min(_burst, _tokens + ((now - _last) * _ratePerTick));
            _last = now;
        }

        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }
}
