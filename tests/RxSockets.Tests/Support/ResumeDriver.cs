using RxSockets.Client;
using RxSockets.Connection;
using RxSockets.Reactive;

namespace RxSockets.Tests.Support;

/// <summary>A test-side stand-in for the reconnecting client: opens connections and drives an
/// <see cref="IClientSessionLayer"/> in the order the client honours (offer its subprotocols, attach, unwrap every
/// inbound message, wrap every outbound one, detach when the connection is gone).</summary>
internal sealed class ResumeDriver(Uri url, IClientSessionLayer layer, Func<WebSocketClientOptions> options)
{
    public IClientSessionLayer Layer => layer;

    /// <summary>Connects and attaches; returns the connection and whether the session continued.</summary>
    public async Task<(WebSocketConnection Connection, bool Resumed)> ConnectAsync(CancellationToken cancellationToken)
    {
        var clientOptions = options();
        for (var i = layer.SubProtocols.Count - 1; i >= 0; i--)
        {
            clientOptions.SubProtocols.Insert(0, layer.SubProtocols[i]);
        }

        var connection = await WebSocketConnection.ConnectAsync(url, clientOptions, cancellationToken);
        try
        {
            var resumed = await layer.AttachAsync(connection, cancellationToken);
            return (connection, resumed);
        }
        catch
        {
            layer.Detach();
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends a user message through the layer.</summary>
    public ValueTask SendAsync(WebSocketConnection connection, Message user, CancellationToken cancellationToken) =>
        connection.SendAsync(layer.WrapOutgoing(user), cancellationToken);

    /// <summary>Reads the next <paramref name="count"/> user messages (layer messages and duplicates skipped).</summary>
    public async Task<List<Message>> ReadAsync(WebSocketConnection connection, int count, CancellationToken cancellationToken)
    {
        var messages = new List<Message>();
        if (count == 0)
        {
            return messages;
        }

        await foreach (var wire in connection.ReadAllAsync(cancellationToken))
        {
            if (layer.TryUnwrapIncoming(wire, out var user))
            {
                messages.Add(user);
                if (messages.Count == count)
                {
                    break;
                }
            }
        }

        return messages;
    }

    /// <summary>Drops the connection without a close handshake, as a network failure would, and detaches.</summary>
    public async Task DropAsync(WebSocketConnection connection)
    {
        connection.Abort();
        await connection.DisposeAsync();
        layer.Detach();
    }
}
