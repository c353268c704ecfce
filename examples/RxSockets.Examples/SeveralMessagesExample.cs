using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;

namespace RxSockets.Examples;

/// <summary>Send several messages back to back, then collect their echoes.</summary>
public static class SeveralMessagesExample
{
    /// <summary>Runs the example.</summary>
    /// <param name="url">The server; null starts an in-process echo server.</param>
    /// <param name="output">Where to print.</param>
    /// <param name="cancellationToken">Stops the example.</param>
    public static async Task RunAsync(Uri? url, TextWriter output, CancellationToken cancellationToken)
    {
        const int Count = 5;
        await using var target = await ExampleTarget.OpenAsync(url, output, cancellationToken);
        await using var connection = await WebSocketConnection.ConnectAsync(target.Url, cancellationToken: cancellationToken);
        var replies = connection.Incoming
            .Select(message => message.GetText())
            .Do(text => output.WriteLine($"Received: {text}"))
            .Take(Count)
            .ToList()
            .ToTask(cancellationToken);

        for (var i = 1; i <= Count; i++)
        {
            await connection.SendAsync($"Message {i}", cancellationToken);
        }

        output.WriteLine($"Sent {Count} messages");
        output.WriteLine($"All {(await replies).Count} echoes received");
        await connection.CloseAsync(cancellationToken: cancellationToken);
    }
}
