using System.Collections.Concurrent;
using System.Reactive.Concurrency;
using Microsoft.Extensions.Logging;
using RxSockets.Reactive;
using RxSockets.Topics;

namespace RxSockets.Messaging;

/// <summary>The server's messaging-protocol connections (<see cref="WebSocketServerOptions.Messaging"/>): starts a
/// <see cref="MessagingPeer"/> for every connection that negotiated <c>rxsockets.v1</c>, announces it on
/// <see cref="Clients"/>, and finds it again for the server's requests. Handed what it needs by its server: the
/// settings (null when messaging is off), the server's clock and its topics. Thread-safe.</summary>
internal sealed class MessagingHost(MessagingServerSettings? settings, IScheduler scheduler, TopicRegistry topics, ILogger logger, Action<Exception> onObserverFault)
{
    private readonly ConcurrentDictionary<long, MessagingPeer> _peers = new();
    private readonly ObserverList<WebSocketConnection> _clients = new(onObserverFault);

    /// <summary>Every messaging connection once open; hot, completes when the server stops.</summary>
    public IObservable<WebSocketConnection> Clients => _clients;

    /// <summary>Whether the protocol, not the application, reads <paramref name="connection"/>'s messages.</summary>
    public bool Owns(WebSocketConnection connection) => settings is not null && connection.SubProtocol == ProtocolCodec.SubProtocol;

    /// <summary>Serves a connection that <see cref="Owns"/> until it ends.</summary>
    public void Start(WebSocketConnection connection)
    {
        var peer = new MessagingPeer(topics, connection, settings!, scheduler, logger);   // Owns() checked settings
        _peers[connection.Id] = peer;
        _clients.Next(connection);
        _ = RunAsync(connection.Id, peer);
    }

    public ValueTask<Message> RequestAsync(WebSocketConnection connection, Message request, string? name, CancellationToken cancellationToken) =>
        _peers.TryGetValue(connection.Id, out var peer)
            ? peer.RequestAsync(request, name, cancellationToken)
            : throw new InvalidOperationException(
                $"Connection #{connection.Id} is not an open messaging-protocol connection of this server (it did not negotiate {ProtocolCodec.SubProtocol}, or it closed).");

    public void Stop() => _clients.Complete();

    private async Task RunAsync(long id, MessagingPeer peer)
    {
        try
        {
            await peer.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            _peers.TryRemove(id, out _);
            peer.Dispose();
        }
    }
}
