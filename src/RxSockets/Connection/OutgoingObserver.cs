using RxSockets.Transport;

namespace RxSockets.Connection;

/// <summary>
/// The <see cref="IObserver{T}"/> sink of a connection: <c>OnNext</c> queues a message without ever blocking,
/// <c>OnCompleted</c> closes with 1000, <c>OnError</c> closes with 1011. It never throws back into the caller: a
/// message that does not fit the queue fails the connection (or is counted as dropped, by the user's choice).
/// Thread-safe, though callers should honour the Rx grammar (no concurrent OnNext) to keep message order.
/// </summary>
internal sealed class OutgoingObserver(ConnectionDriver driver, OutgoingOverflow overflow) : IObserver<Message>
{
    private int _stopped;

    public void OnNext(Message value)
    {
        if (Volatile.Read(ref _stopped) == 0 && driver.Outbox.TrySend(value))
        {
            return;
        }

        if (Volatile.Read(ref _stopped) == 1 || driver.State != ConnectionState.Open || overflow == OutgoingOverflow.DropNewest)
        {
            // Closing or closed (or the user chose to drop): the message cannot go out, and that is counted, not hidden.
            driver.Outbox.CountDroppedOutgoing(overflow == OutgoingOverflow.DropNewest && Volatile.Read(ref _stopped) == 0 && driver.State == ConnectionState.Open
                ? Diagnostics.RxSocketsMetrics.DropNewest
                : Diagnostics.RxSocketsMetrics.Closing);
            return;
        }

        driver.Fail(new CloseStatus(CloseCode.InternalError, "send queue overflow"),
            new InvalidOperationException("Outgoing.OnNext found the send queue full: send slower, raise SendQueueCapacity or MaxQueuedBytes, use SendAsync (which waits), or choose OutgoingOverflow.DropNewest."));
    }

    public void OnCompleted()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            driver.BeginClose(new CloseStatus(CloseCode.NormalClosure));
        }
    }

    public void OnError(Exception error)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            driver.BeginClose(new CloseStatus(CloseCode.InternalError, "the outgoing stream failed"));
        }
    }
}
