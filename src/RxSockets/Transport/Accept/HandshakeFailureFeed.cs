using System.Net;
using RxSockets.Reactive;

namespace RxSockets.Transport.Accept;

/// <summary>The server's <see cref="WebSocketServer.HandshakeFailures"/>: handshakes end on many threads at once, and
/// an observer list must not be told concurrently, so reports are serialised here. Nothing is allocated while nobody
/// subscribes (a refused flood costs no records). Thread-safe.</summary>
internal sealed class HandshakeFailureFeed(Action<Exception> onObserverFault)
{
    private readonly ObserverList<HandshakeFailure> _observers = new(onObserverFault);
    private readonly Lock _gate = new();

    public IObservable<HandshakeFailure> Observable => _observers;

    public void Refused(EndPoint? remote, string? path, HandshakeRejection rejection)
    {
        if (_observers.HasObservers)
        {
            Publish(new HandshakeFailure(remote, path, rejection.StatusCode,
                rejection.Reason ?? Protocol.Handshake.HttpReasonPhrase.For(rejection.StatusCode), rejection.Cause));
        }
    }

    public void Failed(EndPoint? remote, string? path, Exception error)
    {
        if (_observers.HasObservers)
        {
            Publish(new HandshakeFailure(remote, path, null, error.Message, error));
        }
    }

    public void Complete() => _observers.Complete();

    private void Publish(HandshakeFailure failure)
    {
        lock (_gate)
        {
            _observers.Next(failure);
        }
    }

    /// <summary>The path of a request target (what precedes its query), or null for none.</summary>
    public static string? PathOf(string? target)
    {
        if (string.IsNullOrEmpty(target))
        {
            return null;
        }

        var query = target.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? target : target[..query];
    }
}
