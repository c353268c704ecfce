using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;

namespace RxSockets.Examples;

/// <summary>Connect, send a message, print the echo, close.</summary>
public static class BasicEchoExample
{
    /// <summary>Runs the example.</summary>
    /// <param name="url">The server; null starts an in-process echo server.</param>
    /// <param name="output">Where to print.</param>
    /// <param name="cancellationToken">Stops the example.</param>
    public static async Task RunAsync(Uri? url, TextWriter output, CancellationToken cancellationToken)
    {
        await using var target = await ExampleTarget.OpenAsync(url, output, cancellationToken);
        await using var connection = await WebSocketConnection.ConnectAsync(target.Url, cancellationToken: cancellationToken);
        output.WriteLine($"Connected to {connection.Url}");

        // Subscribe before sending; Incoming would keep the reply anyway, since nothing is lost before a subscription.
        var reply = connection.Incoming.FirstAsync().ToTask(cancellationToken);
        await connection.SendAsync("Hello, server!", cancellationToken);
        output.WriteLine("Sent: Hello, server!");
        output.WriteLine($"Received: {(await reply).GetText()}");

        await connection.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);
        output.WriteLine($"Closed: {connection.CloseStatus}");
    }
}
