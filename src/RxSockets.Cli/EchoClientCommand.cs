namespace RxSockets.Cli;

/// <summary><c>rxsockets echo-client</c>: a client that sends back everything it receives, for testing servers.</summary>
internal static class EchoClientCommand
{
    public const string Usage = """
        Usage: rxsockets echo-client URL [options]

        Connects to a ws:// or wss:// URL and sends back every message it receives (same type, same bytes)
        until the server closes. Exits 0 when the server closes cleanly with 1000 or 1001, 1 otherwise;
        on SIGINT/SIGTERM it closes with 1000 and exits 0. Prints "closed CODE REASON" to stderr at the end.

        Options:
          --max-message BYTES    largest message accepted (default 1048576)
          --max-fragments N      most frames per message, 0 = unlimited (default 1024)
          --deflate              offer permessage-deflate compression (RFC 7692)
          --deflate-window-bits N
                                 permessage-deflate with an LZ77 window of 2^N bytes (8..15) both ways: ask the
                                 server for it and compress within it (implies --deflate)
          --queue N              send and receive queue capacity, in messages (default 256)
          -k, --insecure         do not check the server's TLS certificate (like curl -k), for self-signed servers
          -h, --help             show this help

        Exit codes: 0 clean close, 1 connection or handshake failure or unclean close, 2 usage error.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var reader = new ArgumentReader("echo-client", args);
        string? url = null;
        var queue = 256;
        var insecure = false;
        var protocol = new ProtocolFlags();
        while (reader.TryRead(out var token))
        {
            if (protocol.TryRead(token, reader))
            {
                continue;
            }

            switch (token)
            {
                case "-h" or "--help":
                    await Console.Out.WriteAsync(Usage).ConfigureAwait(false);
                    return ExitCodes.Success;
                case "--queue":
                    queue = (int)reader.Number(1, 1_000_000);
                    break;
                case "-k" or "--insecure":
                    insecure = reader.Switch();
                    break;
                case var positional when url is null && !ArgumentReader.IsOption(positional):
                    url = token;
                    break;
                default:
                    throw reader.Unknown(token);
            }
        }

        var options = new WebSocketClientOptions
        {
            ReceiveQueueCapacity = queue,
            SendQueueCapacity = queue,
            SslOptions = insecure ? Insecure.SslOptions() : null,
        };
        protocol.ApplyTo(options);
        using var shutdown = new ShutdownSignal();
        if (await Connector.TryConnectAsync(reader.Url(url), options).ConfigureAwait(false) is not { } connection)
        {
            return ExitCodes.Failure;
        }

        // Started here, not through Task.Run: a message that came with the handshake is echoed without a thread-pool hop.
        var echoing = EchoAsync(connection);
        return await Connector.RunUntilEndAsync(connection, echoing, shutdown.Requested).ConfigureAwait(false);
    }

    private static async Task EchoAsync(WebSocketConnection connection)
    {
        try
        {
            await foreach (var message in connection.ReadAllAsync().ConfigureAwait(false))
            {
                await connection.SendAsync(message).ConfigureAwait(false);
            }
        }
        catch (ConnectionClosedException)
        {
            // Reported from Completion.
        }
    }
}
