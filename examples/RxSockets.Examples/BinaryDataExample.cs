namespace RxSockets.Examples;

/// <summary>Send and receive binary messages.</summary>
public static class BinaryDataExample
{
    /// <summary>Runs the example.</summary>
    /// <param name="url">The server; null starts an in-process echo server.</param>
    /// <param name="output">Where to print.</param>
    /// <param name="cancellationToken">Stops the example.</param>
    public static async Task RunAsync(Uri? url, TextWriter output, CancellationToken cancellationToken)
    {
        await using var target = await ExampleTarget.OpenAsync(url, output, cancellationToken);
        await using var connection = await WebSocketConnection.ConnectAsync(target.Url, cancellationToken: cancellationToken);

        byte[] data = [0x00, 0x01, 0x02, 0x7F, 0x80, 0xFE, 0xFF];
        await connection.SendAsync(data.AsMemory(), cancellationToken);
        output.WriteLine($"Sent {data.Length} bytes: {Convert.ToHexString(data)}");

        await foreach (var message in connection.ReadAllAsync(cancellationToken))
        {
            var kind = message.IsBinary ? "binary" : "text";
            output.WriteLine($"Received {kind} message, {message.Data.Length} bytes: {Convert.ToHexString(message.Data.Span)}");
            break;
        }

        await connection.CloseAsync(cancellationToken: cancellationToken);
    }
}
