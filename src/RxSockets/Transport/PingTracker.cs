using System.Buffers.Binary;
using System.Reactive.Concurrency;

namespace RxSockets.Transport;

/// <summary>
/// Pings awaiting their pong, matched by payload (RFC 6455 §5.5.3: a pong echoes the ping's payload), each timed on
/// the connection's clock. Thread-safe.
/// </summary>
internal sealed class PingTracker(IScheduler clock)
{
    private List<(byte[] Payload, DateTimeOffset SentAt, TaskCompletionSource<TimeSpan> Result)>? _pending;   // made on first PingAsync
    private long _counter;
    private byte[]? _keepAlivePayload;
    private long _keepAliveSentTicks;

    /// <summary>A payload unique to this connection, for pings the caller sent without one.</summary>
    public byte[] NextPayload()
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(payload, Interlocked.Increment(ref _counter));
        return payload;
    }

    /// <summary>Registers a ping about to be sent.</summary>
    public Task<TimeSpan> Register(byte[] payload)
    {
        var result = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (this)
        {
            (_pending ??= []).Add((payload, clock.Now, result));
        }

        return result.Task;
    }

    /// <summary>Completes the pings this pong answers; an unsolicited pong answers nothing (RFC 6455 §5.5.3).
    /// <paramref name="report"/> gets the round trip first (metrics, the Rtt stream), so whoever awaits the ping sees it
    /// already reported.</summary>
    /// <returns>The round-trip time of the answered ping, or null.</returns>
    public TimeSpan? OnPong<TState>(ReadOnlySpan<byte> payload, Action<TState, TimeSpan> report, TState state)
    {
        TimeSpan? rtt = null;
        List<(TaskCompletionSource<TimeSpan> Result, TimeSpan Rtt)>? answered = null;
        lock (this)
        {
            for (var i = (_pending?.Count ?? 0) - 1; i >= 0; i--)
            {
                var (sent, at, result) = _pending![i];
                if (payload.SequenceEqual(sent))
                {
                    rtt = clock.Now - at;
                    (answered ??= []).Add((result, rtt.Value));
                    _pending.RemoveAt(i);
                }
            }

            var keepAlive = _keepAlivePayload;
            if (rtt is null && keepAlive is not null && payload.SequenceEqual(keepAlive))
            {
                // The answer to the last keepalive ping: its round trip too, but nobody awaits it.
                rtt = TimeSpan.FromTicks(clock.Now.UtcTicks - _keepAliveSentTicks);
                _keepAlivePayload = null;
            }
        }

        if (rtt is { } value)
        {
            report(state, value);
        }

        if (answered is not null)
        {
            foreach (var (result, time) in answered)
            {
                result.TrySetResult(time);
            }
        }

        return rtt;
    }

    /// <summary>The payload of the next keepalive ping, remembered with its time so its pong gives a round trip.</summary>
    public byte[] NextKeepAlive()
    {
        var payload = NextPayload();
        lock (this)
        {
            _keepAliveSentTicks = clock.Now.UtcTicks;
            _keepAlivePayload = payload;
        }

        return payload;
    }

    /// <summary>Fails every pending ping: the connection is gone.</summary>
    public void FailAll(Exception error)
    {
        lock (this)
        {
            if (_pending is null)
            {
                return;
            }

            foreach (var (_, _, result) in _pending)
            {
                result.TrySetException(error);
            }

            _pending.Clear();
        }
    }
}
