namespace RxSockets.Client;

/// <summary>The reconnecting client's <see cref="IObserver{T}"/> sink: <c>OnNext</c> queues without ever blocking (a
/// message that does not fit is dropped and counted); <c>OnCompleted</c> and <c>OnError</c> stop the client. It never
/// throws back into the caller, except when raw messages are refused (<c>refusal</c>: the client speaks the messaging
/// protocol), a usage error. Thread-safe.</summary>
internal sealed class ClientOutgoing(ClientSender sender, Action stop, string? refusal = null) : IObserver<Message>
{
    private int _stopped;

    public void OnNext(Message value)
    {
        if (refusal is not null)
        {
            throw new InvalidOperationException(refusal);
        }

        if (Volatile.Read(ref _stopped) == 0)
        {
            sender.Post(value);
        }
    }

    public void OnCompleted() => Stop();

    public void OnError(Exception error) => Stop();

    private void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            stop();
        }
    }
}
