using RxSockets.Json;

namespace RxSockets.Examples;

/// <summary>The server of <see cref="JsonRoutingExample"/>: one <see cref="JsonMessageRouter"/> per connection
/// handles <c>join</c> and <c>say</c> requests, and answers every other message with a <c>{"type":"error"}</c> reply.</summary>
public sealed class JsonRoutingServer : HostedServer
{
    private JsonRoutingServer(WebSocketServer server, TextWriter? log)
        : base(server, log)
    {
    }

    /// <summary>Starts the server on 127.0.0.1 and a free port.</summary>
    /// <param name="log">Where the server narrates; null for nowhere.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<JsonRoutingServer> StartAsync(TextWriter? log, CancellationToken cancellationToken)
    {
        var hosted = new JsonRoutingServer(await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken), log);
        hosted.Serve();
        return hosted;
    }

    /// <inheritdoc />
    protected override async Task HandleAsync(WebSocketConnection connection)
    {
        using var router = new JsonMessageRouter(connection.Incoming);
        var ack = connection.Outgoing.AsJsonObserver(ExampleJsonContext.Default.AckReply);
        using var joins = router.On("join", ExampleJsonContext.Default.JoinRequest)
            .Subscribe(join => ack.OnNext(new AckReply($"joined {join.Room}")));
        using var says = router.On("say", ExampleJsonContext.Default.SayRequest)
            .Subscribe(say => ack.OnNext(new AckReply($"{say.User} said: {say.Text}")));
        using var logging = router.DeadLetters.Subscribe(letter => Log.WriteLine($"[server] dead letter: {letter.Reason} {letter.RawText}"));
        using var replies = router.ReplyToDeadLetters(connection);
        using var routing = router.Connect();
        try
        {
            await connection.Completion;
        }
        catch (ConnectionClosedException)
        {
            // The client went away without a close handshake.
        }
    }
}
