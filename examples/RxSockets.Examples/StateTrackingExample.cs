using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;

namespace RxSockets.Examples;

/// <summary>Follow a connection through its life cycle with <see cref="WebSocketConnection.States"/>.</summary>
public static class StateTrackingExample
{
    /// <summary>Runs the example.</summary>
    /// <param name="url">The server; null starts an in-process echo server.</param>
    /// <param name="output">Where to print.</param>
    /// <param name="cancellationToken">Stops the example.</param>
    public static async Task RunAsync(Uri? url, TextWriter output, CancellationToken cancellationToken)
    {
        await using var target = await ExampleTarget.OpenAsync(url, output, cancellationToken);
        await using var connection = await WebSocketConnection.ConnectAsync(target.Url, cancellationToken: cancellationToken);

        // States replays the current state, then every change, and completes after Closed.
        var ended = connection.States
            .Do(state => output.WriteLine($"State: {state}"))
            .LastAsync()
            .ToTask(cancellationToken);

        await connection.SendAsync("hello", cancellationToken);
        await foreach (var reply in connection.ReadAllAsync(cancellationToken))
        {
            output.WriteLine($"Received: {reply.GetText()}");
            break;
        }

        await connection.CloseAsync(CloseCode.NormalClosure, "bye", cancellationToken);
        output.WriteLine($"Final state: {await ended}");
    }
}
