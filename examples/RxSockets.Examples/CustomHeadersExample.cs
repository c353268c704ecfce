namespace RxSockets.Examples;

/// <summary>Send extra handshake headers, such as <c>Authorization</c>, and check them on the server.</summary>
public static class CustomHeadersExample
{
    /// <summary>The token the example sends.</summary>
    public const string Token = "Bearer example-token";

    /// <summary>Runs the example.</summary>
    /// <param name="url">The server; null starts an in-process echo server that refuses clients without the token.</param>
    /// <param name="output">Where to print.</param>
    /// <param name="cancellationToken">Stops the example.</param>
    public static async Task RunAsync(Uri? url, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var serverOptions = new WebSocketServerOptions
        {
            VerifyClient = (request, _) =>
            {
                var authorization = request.GetHeader("Authorization");
                output.WriteLine($"[server] Authorization: {authorization ?? "(none)"}");
                return ValueTask.FromResult(authorization == Token ? null : new HandshakeRejection(401, "token required"));
            },
        };
        await using var target = await ExampleTarget.OpenAsync(url, output, cancellationToken, serverOptions);

        var options = new WebSocketClientOptions
        {
            Headers = { ["Authorization"] = Token, ["X-Client-Name"] = "rxsockets-examples" },
        };
        await using var connection = await WebSocketConnection.ConnectAsync(target.Url, options, cancellationToken);
        output.WriteLine("Connected with an Authorization header");

        await connection.SendAsync("hello with headers", cancellationToken);
        await foreach (var reply in connection.ReadAllAsync(cancellationToken))
        {
            output.WriteLine($"Received: {reply.GetText()}");
            break;
        }

        await connection.CloseAsync(cancellationToken: cancellationToken);
    }
}
