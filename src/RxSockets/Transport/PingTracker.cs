using System.Buffers.Binary;
using System.Reactive.Concurrency;

namespace RxSockets.Transport;

/// <summary>
/// Pings awaiting their pong, matched by payload (RFC 6455 §5.5.3: a pong echoes the ping's payload), each timed on
/// the connection's clock. Thread-safe.
/// </summary>
internal sealed class PingTracker(IScheduler clock)
{
    private readonly List<(byte[] Payload, DateTimeOffset SentAt, TaskCompletionSource<TimeSpan> Result)> _pending = [];
    private long _counter;

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
        lock (_pending)
        {
            _pending.Add((payload, clock.Now, result));
        }

        return result.Task;
    }

    /// <summary>Completes the pings this pong answers; an unsolicited pong answers nothing (RFC 6455 §5.5.3).</summary>
    /// <returns>The round-trip time of the answered ping, or null.</returns>
    public TimeSpan? OnPong(ReadOnlySpan<byte> payload)
    {
        TimeSpan? rtt = null;
        lock (_pending)
        {
            for (var i = _pending.Count - 1; i >= 0; i--)
            {
                var (sent, at, result) = _pending[i];
                if (payload.SequenceEqual(sent))
                {
                    rtt = clock.Now - at;
                    result.TrySetResult(rtt.Value);
                    _pending.RemoveAt(i);
                }
            }
        }

        return rtt;
    }

    /// <summary>Fails every pending ping: the connection is gone.</summary>
    public void FailAll(Exception error)
    {
        lock (_pending)
        {
            foreach (var (_, _, result) in _pending)
            {
                result.TrySetException(error);
            }

            _pending.Clear();
        }
    }
}
