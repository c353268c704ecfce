using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;

namespace RxSockets.Examples;

/// <summary>Measure round-trip times with <see cref="WebSocketConnection.PingAsync"/> and watch <see cref="WebSocketConnection.Pongs"/>.</summary>
public static class PingPongExample
{
    /// <summary>Runs the example.</summary>
    /// <param name="url">The server; null starts an in-process echo server.</param>
    /// <param name="output">Where to print.</param>
    /// <param name="cancellationToken">Stops the example.</param>
    public static async Task RunAsync(Uri? url, TextWriter output, CancellationToken cancellationToken)
    {
        const int Count = 3;
        await using var target = await ExampleTarget.OpenAsync(url, output, cancellationToken);
        await using var connection = await WebSocketConnection.ConnectAsync(target.Url, cancellationToken: cancellationToken);
        var pongs = connection.Pongs
            .Do(payload => output.WriteLine($"Pong received ({payload.Length}-byte payload)"))
            .Take(Count)
            .Count()
            .ToTask(cancellationToken);

        for (var i = 1; i <= Count; i++)
        {
            // Servers answer pings automatically (RFC 6455 §5.5.2); PingAsync completes when the pong arrives.
            var roundTrip = await connection.PingAsync(cancellationToken: cancellationToken);
            output.WriteLine($"Ping {i}: round trip {roundTrip.TotalMilliseconds:F2} ms");
        }

        output.WriteLine($"Pongs seen: {await pongs}");
        await connection.CloseAsync(cancellationToken: cancellationToken);
    }
}
