using System.Threading.Channels;
using RxSockets.Messaging;

namespace RxSockets.Tests.Messaging;

/// <summary>A stand-in for a messaging server that the test scripts frame by frame: a plain <see cref="WebSocketServer"/>
/// that selects <c>rxsockets.v1</c> (or, <c>speaks: false</c>, no subprotocol), reading and writing frames with
/// <see cref="ProtocolCodec"/>.</summary>
internal sealed class ScriptedMessagingServer : IAsyncDisposable
{
    private readonly Channel<ScriptedPeer> _peers = Channel.CreateUnbounded<ScriptedPeer>();
    private readonly CancellationTokenSource _stop = new();
    private WebSocketServer _server = null!;
    private Task _accepting = Task.CompletedTask;

    public Uri Url => _server.Url;

    public static async Task<ScriptedMessagingServer> StartAsync(CancellationToken cancellationToken, bool speaks = true)
    {
        var options = new WebSocketServerOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan };
        if (speaks)
        {
            options.SubProtocols.Add(ProtocolCodec.SubProtocol);
        }

        var scripted = new ScriptedMessagingServer { _server = await WebSocketServer.StartAsync(options, cancellationToken) };
        scripted._accepting = scripted.AcceptAsync();
        return scripted;
    }

    /// <summary>The server end of the next connection.</summary>
    public Task<ScriptedPeer> NextAsync(CancellationToken cancellationToken) => _peers.Reader.ReadAsync(cancellationToken).AsTask();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _server.DisposeAsync();
        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            await foreach (var connection in _server.AcceptAllAsync(_stop.Token))
            {
                _peers.Writer.TryWrite(new ScriptedPeer(connection));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>One connection of a <see cref="ScriptedMessagingServer"/>.</summary>
internal sealed class ScriptedPeer(WebSocketConnection connection)
{
    private readonly IAsyncEnumerator<Message> _reader = connection.ReadAllAsync().GetAsyncEnumerator();

    public WebSocketConnection Connection { get; } = connection;

    /// <summary>The next frame the client sent.</summary>
    public async Task<ProtocolFrame> ReadAsync(CancellationToken cancellationToken)
    {
        if (!await _reader.MoveNextAsync().AsTask().WaitAsync(cancellationToken))
        {
            throw new InvalidOperationException("The client closed the connection.");
        }

        return ProtocolCodec.TryDecode(_reader.Current, out var frame, out var error)
            ? frame
            : throw new InvalidOperationException($"Not a frame: {error}");
    }

    /// <summary>The next frame, which must be of <paramref name="kind"/>.</summary>
    public async Task<ProtocolFrame> ExpectAsync(FrameKind kind, CancellationToken cancellationToken)
    {
        var frame = await ReadAsync(cancellationToken);
        return frame.Kind == kind ? frame : throw new InvalidOperationException($"Expected a {kind} frame, got {frame}.");
    }

    public Task SendAsync(ProtocolFrame frame, CancellationToken cancellationToken) =>
        Connection.SendAsync(ProtocolCodec.Encode(frame), cancellationToken).AsTask();

    public Task PublishAsync(string topic, long offset, string text, CancellationToken cancellationToken, string epoch = "e1") =>
        SendAsync(new ProtocolFrame(FrameKind.Publication) { Topic = topic, Position = new TopicPosition(offset, epoch), Payload = Message.Text(text) }, cancellationToken);

    public Task SubscribedAsync(ProtocolFrame sub, long offset, CancellationToken cancellationToken, string epoch = "e1", long recovered = 0) =>
        SendAsync(new ProtocolFrame(FrameKind.Subscribed) { Id = sub.Id, Topic = sub.Topic, Position = new TopicPosition(offset, epoch), Recovered = recovered }, cancellationToken);
}
