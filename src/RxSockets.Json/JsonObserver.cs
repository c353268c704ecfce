using System.Text.Json.Serialization.Metadata;

namespace RxSockets.Json;

/// <summary>
/// An <see cref="IObserver{T}"/> that serialises each value to a JSON text message and passes it to a message sink
/// (usually <see cref="WebSocketConnection.Outgoing"/>). It never throws back into the caller: a value that cannot be
/// serialised fails the sink with <c>OnError</c> (which closes a connection with 1011), and later calls are ignored.
/// </summary>
internal sealed class JsonObserver<T>(IObserver<Message> sink, JsonTypeInfo<T> typeInfo) : IObserver<T>
{
    private int _stopped;

    public void OnNext(T value)
    {
        if (Volatile.Read(ref _stopped) == 1)
        {
            return;
        }

        Message message;
        try
        {
            message = JsonMessage.Serialize(value, typeInfo);
        }
#pragma warning disable CA1031 // Whatever the serialiser throws must end the stream, not reach the producer.
        catch (Exception error)
#pragma warning restore CA1031
        {
            OnError(error);
            return;
        }

        sink.OnNext(message);
    }

    public void OnCompleted()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            sink.OnCompleted();
        }
    }

    public void OnError(Exception error)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            sink.OnError(error);
        }
    }
}
