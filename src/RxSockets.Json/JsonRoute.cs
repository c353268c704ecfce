using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace RxSockets.Json;

/// <summary>A route: binds the already-parsed object to <typeparamref name="T"/> and multicasts it.</summary>
internal sealed class JsonRoute<T>(JsonTypeInfo<T> typeInfo, Action<Exception> onHandlerFault) : IJsonRoute
{
    private readonly SubscriberList<T> _observers = new(onHandlerFault);

    public IObservable<T> Values => _observers;

    public Exception? Deliver(JsonElement root)
    {
        T? value;
        try
        {
            value = root.Deserialize(typeInfo);
        }
        catch (JsonException error)
        {
            return error;
        }

        if (value is null)
        {
            return new JsonException($"The message is JSON null, not a {typeof(T).Name}.");
        }

        _observers.Next(value);
        return null;
    }

    public void Complete() => _observers.Complete();

    public void Error(Exception error) => _observers.Error(error);
}
