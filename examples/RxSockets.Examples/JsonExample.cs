using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using RxSockets.Json;

namespace RxSockets.Examples;

/// <summary>Send a typed object as JSON and read typed objects back, with RxSockets.Json.</summary>
public static class JsonExample
{
    /// <summary>Runs the example.</summary>
    /// <param name="url">The server; null starts an in-process echo server.</param>
    /// <param name="output">Where to print.</param>
    /// <param name="cancellationToken">Stops the example.</param>
    public static async Task RunAsync(Uri? url, TextWriter output, CancellationToken cancellationToken)
    {
        await using var target = await ExampleTarget.OpenAsync(url, output, cancellationToken);
        await using var connection = await WebSocketConnection.ConnectAsync(target.Url, cancellationToken: cancellationToken);

        // Messages that are not a valid ChatMessage are reported, never silently dropped, and do not end the stream.
        var reply = connection.Incoming
            .DeserializeJson(ExampleJsonContext.Default.ChatMessage, error => output.WriteLine($"Ignored invalid JSON: {error.RawText}"))
            .FirstAsync()
            .ToTask(cancellationToken);

        var message = new ChatMessage("message", "alice", "Hello in JSON", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await connection.SendJsonAsync(message, ExampleJsonContext.Default.ChatMessage, cancellationToken);
        output.WriteLine($"Sent: {JsonMessage.Serialize(message, ExampleJsonContext.Default.ChatMessage).GetText()}");

        var received = await reply;
        output.WriteLine($"Received {received.Type} from {received.User}: {received.Text}");
        await connection.CloseAsync(cancellationToken: cancellationToken);
    }
}
