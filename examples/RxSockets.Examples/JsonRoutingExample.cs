using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using RxSockets.Json;

namespace RxSockets.Examples;

/// <summary>JSON messages switched on their <c>type</c> field with <see cref="JsonMessageRouter"/>, on both sides:
/// the server routes requests per type, and invalid messages land in dead letters (and get an error reply).</summary>
public static class JsonRoutingExample
{
    /// <summary>Runs the example.</summary>
    /// <param name="url">A server that speaks the protocol; null starts the in-process <see cref="JsonRoutingServer"/>.</param>
    /// <param name="output">Where to print.</param>
    /// <param name="cancellationToken">Stops the example.</param>
    public static async Task RunAsync(Uri? url, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        await using var local = url is null ? await JsonRoutingServer.StartAsync(output, cancellationToken) : null;
        await using var connection = await WebSocketConnection.ConnectAsync(url ?? local!.Url, cancellationToken: cancellationToken);

        // The client routes the server's replies the same way: one typed stream per "type", bad ones to dead letters.
        using var router = new JsonMessageRouter(connection.Incoming);
        var acks = router.On("ack", ExampleJsonContext.Default.AckReply).Select(ack => $"[client] ack: {ack.Text}");
        var errors = router.On("error", ExampleJsonContext.Default.ErrorReply).Select(error => $"[client] error {error.Reason}: {error.Detail}");
        var dead = router.DeadLetters.Select(letter => $"[client] dead letter: {letter}");
        var fiveReplies = acks.Merge(errors).Merge(dead).Do(output.WriteLine).Take(5).ToTask(cancellationToken);
        using var routing = router.Connect();

        await connection.SendJsonAsync(new JoinRequest("lobby"), ExampleJsonContext.Default.JoinRequest, cancellationToken);
        await connection.SendJsonAsync(new SayRequest("alice", "hello"), ExampleJsonContext.Default.SayRequest, cancellationToken);
        await connection.SendAsync("this is not JSON", cancellationToken);
        await connection.SendAsync("""{"type":"dance"}""", cancellationToken);
        await connection.SendAsync("""{"type":"say","user":"bob","text":42}""", cancellationToken);
        await fiveReplies;

        output.WriteLine($"[client] {router.DeadLetterCount} dead letter(s) on the client");
        await connection.CloseAsync(cancellationToken: cancellationToken);
    }
}
