using RxSockets.Messaging;

namespace RxSockets.Tests.Messaging;

/// <summary>A bare <c>rxsockets.v1</c> client for the server's tests: it sends the frames a test writes and reads the
/// server's frames one by one, strictly in order, so a test sees exactly what the server sent.</summary>
internal sealed class ProtocolTestClient : IAsyncDisposable
{
    private readonly IAsyncEnumerator<Message> _reader;

    private ProtocolTestClient(WebSocketConnection connection)
    {
        Connection = connection;
        _reader = connection.ReadAllAsync().GetAsyncEnumerator();
    }

    public WebSocketConnection Connection { get; }

    public static async Task<ProtocolTestClient> ConnectAsync(Uri url, CancellationToken cancellationToken)
    {
        var options = new WebSocketClientOptions();
        options.SubProtocols.Add(ProtocolCodec.SubProtocol);
        return new ProtocolTestClient(await WebSocketConnection.ConnectAsync(url, options, cancellationToken));
    }

    public ValueTask SendAsync(ProtocolFrame frame) => Connection.SendAsync(ProtocolCodec.Encode(frame));

    public async Task<ProtocolFrame> NextAsync(CancellationToken cancellationToken)
    {
        if (!await _reader.MoveNextAsync().AsTask().WaitAsync(cancellationToken))
        {
            throw new InvalidOperationException("The connection ended.");
        }

        Assert.That(ProtocolCodec.TryDecode(_reader.Current, out var frame, out var error), Is.True, error);
        return frame!;
    }

    /// <summary>The next frame, which must be of <paramref name="kind"/>.</summary>
    public async Task<ProtocolFrame> NextAsync(FrameKind kind, CancellationToken cancellationToken)
    {
        var frame = await NextAsync(cancellationToken);
        Assert.That(frame.Kind, Is.EqualTo(kind), $"expected '{ProtocolCodec.WireName(kind)}', got {frame}");
        return frame;
    }

    /// <summary>Subscribes and reads frames up to the <c>subok</c>: the recovered <c>p</c> and <c>gap</c> frames before it, and it.</summary>
    public async Task<(List<ProtocolFrame> Before, ProtocolFrame Subscribed)> SubscribeAsync(long id, string topic, TopicPosition? from, CancellationToken cancellationToken)
    {
        await SendAsync(new ProtocolFrame(FrameKind.Subscribe) { Id = id, Topic = topic, Position = from });
        var before = new List<ProtocolFrame>();
        while (true)
        {
            var frame = await NextAsync(cancellationToken);
            if (frame.Kind is FrameKind.Subscribed or FrameKind.Error)
            {
                return (before, frame);
            }

            before.Add(frame);
        }
    }

    /// <summary>Reads to the end: the close status the server sent.</summary>
    public async Task<CloseStatus?> ClosedAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await _reader.MoveNextAsync().AsTask().WaitAsync(cancellationToken))
            {
            }
        }
        catch (ConnectionClosedException)
        {
        }

        return Connection.CloseStatus;
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        try
        {
            await _reader.DisposeAsync();
        }
        catch (ConnectionClosedException)
        {
        }
    }
}
