using System.Net.Sockets;

namespace RxSockets.Cli;

/// <summary><c>rxsockets serve</c>: an echo or broadcast server on the RxSockets engine.</summary>
internal static class ServeCommand
{
    public const string Usage = """
        Usage: rxsockets serve (--echo | --broadcast | --topic NAME [--history N] [--history-ttl T] [--positions]
                                | --count N [--rate R] [--resume]) [--topics [--history N]]
                               [--backplane redis://HOST:PORT] [options]

        Runs a WebSocket server until SIGINT or SIGTERM, then closes every client with 1001 and exits 0.
        When ready it prints exactly one line to stdout:
          listening on ws://HOST:PORT/PATH
        (wss:// with --cert) with the real port (useful with --port 0) and the --path given, or / when none was given
        (without --path every request path is accepted). Each connection and disconnection is logged to
        stderr ("connected #ID ADDRESS PATH", "disconnected #ID CODE") unless --quiet is given.

        Modes (exactly one; --topics alone echoes for plain clients):
          --echo                 send every message back to its sender, with the same type
          --broadcast            send every message to all OTHER connected clients (on every node with --backplane,
                                 in order per sender)
          --topic NAME           every client joins the topic NAME (from ?since=OFFSET@EPOCH in its URL, when given:
                                 it first receives what it missed); each message it sends goes to the topic's other
                                 members, on every node with --backplane, in one order for all
          --history N            topic mode and --topics: keep the last N publications of each topic, so a client
                                 can come back from a position
          --history-ttl T        topic mode and --topics: keep each publication at most this long (needs --history)
          --positions            topic mode: send each text publication as "OFFSET@EPOCH TEXT" and each gap the
                                 client cannot be given as "gap REASON LAST CURRENT"
          --count N              counter: send each client session the text messages "1" ... "N", then close it
                                 with 1000
          --rate R               counter: at most R messages per second (default: as fast as possible)
          --resume               counter: accept resumable sessions (rxsockets.resume.v2, v1) from RxSockets clients;
                                 the count is per session and continues across reconnections

        Messaging protocol (rxsockets.v1; combines with any mode and with --backplane):
          --topics               serve the messaging protocol to clients that offer it: subscriptions to any topic
                                 that recover what a client missed (within --history), acknowledged publishing, and
                                 requests (no name or 'echo': the request back; 'time': the server's UTC time);
                                 see 'rxsockets subscribe', 'publish' and 'request'

        Options:
          --host H               address to listen on (default 127.0.0.1)
          --port P               port, 0 for any free port (default 8080)
          --path /p              only accept upgrades to this path (default: any path)
          --max-message BYTES    largest message accepted (default 1048576)
          --max-fragments N      most frames per message, 0 = unlimited (default 1024)
          --deflate              accept permessage-deflate compression (RFC 7692) when a client offers it
          --deflate-window-bits N
                                 permessage-deflate with an LZ77 window of 2^N bytes (8..15) both ways: compress
                                 within it and ask clients for it (implies --deflate)
          --queue N              send and receive queue capacity per connection, in messages (default 256)
          --queue-bytes SIZE     send and receive queue budget per connection, in bytes, whichever of --queue and
                                 this is reached first; SIZE like 65536, 512KiB or 4MiB (default 1MiB). An empty
                                 queue still takes one larger message (up to --max-message)
          --broadcast-overflow P broadcast and topic modes: what a message does for a client whose send queue is over
                                 budget: wait (default: wait up to 5s for room, then close that client with 1013),
                                 drop-oldest, drop-newest, or disconnect (close it with 1013 at once)
          --cert FILE.pfx        serve wss:// with the certificate and private key in this PKCS#12 file
          --cert-password PW     the password of the --cert file
          --backplane URL        join the other nodes on the same Redis as one server: redis://HOST:PORT
                                 (also redis://:PASSWORD@HOST:PORT/DB); exits 1 when Redis cannot be reached
          --quiet                do not log connections to stderr
          -h, --help             show this help
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        if (ServeArguments.Parse(args) is not { } settings)
        {
            await Console.Out.WriteAsync(Usage).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        using var shutdown = new ShutdownSignal();
        WebSocketServer server;
        try
        {
            var options = new WebSocketServerOptions
            {
                Host = settings.Host,
                Port = settings.Port,
                Path = settings.Path,
                ReceiveQueueCapacity = settings.QueueCapacity,
                SendQueueCapacity = settings.QueueCapacity,
                BroadcastOverflow = settings.BroadcastOverflow,
                CertificatePath = settings.CertificatePath,
                CertificatePassword = settings.CertificatePassword,
                Resume = settings.Resume ? new ResumeOptions() : null,
                Backplane = settings.Backplane is { } backplane ? new RxSockets.Redis.RedisBackplane(backplane) : null,
                ConfigureTopic = settings.Topic is null && !settings.Topics ? null
                    : name => name == settings.Topic ? TopicMode.Options(settings) : MessagingMode.TopicOptions(settings),
                Messaging = settings.Topics ? MessagingMode.Options() : null,
            };
            if (settings.QueueBytes > 0)
            {
                options.MaxQueuedBytes = settings.QueueBytes;
            }

            settings.Protocol.ApplyTo(options);
            server = await WebSocketServer.StartAsync(options).ConfigureAwait(false);
        }
        catch (ArgumentException error) when (error.ParamName is nameof(WebSocketServerOptions.CertificatePath))
        {
            await Console.Error.WriteLineAsync($"error: cannot use --cert: {error.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (RxSockets.Scaling.BackplaneUnavailableException error)
        {
            await Console.Error.WriteLineAsync($"error: cannot join the backplane: {error.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (SocketException error)
        {
            await Console.Error.WriteLineAsync($"error: cannot listen on {settings.Host}:{settings.Port}: {error.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        await using (server.ConfigureAwait(false))
        {
            var address = server.LocalEndPoint.Address;
            var host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
            if (settings.Backplane is not null && !settings.Quiet)
            {
                await Console.Error.WriteLineAsync($"node {server.NodeId} joined the backplane").ConfigureAwait(false);
            }

            await Console.Out.WriteLineAsync($"listening on {server.Url.Scheme}://{host}:{server.LocalEndPoint.Port}{settings.Path ?? "/"}").ConfigureAwait(false);
            await ServeUntilSignalAsync(server, settings, shutdown).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    private static async Task ServeUntilSignalAsync(WebSocketServer server, ServeSettings settings, ShutdownSignal shutdown)
    {
        var handlers = new RunningHandlers();
        using var remote = settings.Topic is not null && !settings.Quiet ? TopicMode.WatchRemoteMembers(server, settings) : null;
        using var messaging = settings.Topics && !settings.Quiet ? MessagingMode.Watch(server) : null;
        var accepting = AcceptAsync(server, settings, handlers);
        var sessions = settings.Resume ? CounterMode.AcceptSessionsAsync(server, settings, handlers) : Task.CompletedTask;
        var signal = await shutdown.Requested.ConfigureAwait(false);
        await Console.Error.WriteLineAsync($"{signal}: stopping, closing {server.ClientCount} client(s) with 1001").ConfigureAwait(false);
        await server.StopAsync().ConfigureAwait(false);
        await accepting.ConfigureAwait(false);
        await sessions.ConfigureAwait(false);
        await handlers.CompleteAsync().ConfigureAwait(false);
    }

    private static async Task AcceptAsync(WebSocketServer server, ServeSettings settings, RunningHandlers handlers)
    {
        // Ends when StopAsync completes the stream of accepted connections. Each handler runs on its own from its
        // first await; the count, not a task per connection, is what shutdown waits for.
        var echoQuietly = settings.Quiet && settings.Count == 0 && !settings.Broadcast && settings.Topic is null;
        await foreach (var connection in server.AcceptAllAsync().ConfigureAwait(false))
        {
            if (echoQuietly)
            {
                EchoQuietly(connection);
                continue;
            }

            handlers.Enter();
            _ = HandleAsync(server, connection, settings, handlers);
        }
    }

    private static async Task HandleAsync(WebSocketServer server, WebSocketConnection connection, ServeSettings settings, RunningHandlers handlers)
    {
        try
        {
            // Logged only once the server lists the connection, so a broadcast sent after this line reaches it.
            if (!settings.Quiet)
            {
                await Console.Error.WriteLineAsync($"connected #{connection.Id} {connection.RemoteEndPoint} {connection.Request?.Path}").ConfigureAwait(false);
            }

            if (settings.Count > 0 || settings.Broadcast || settings.Topic is not null)
            {
                await (settings.Count > 0 ? CounterMode.CountAsync(connection, settings)
                    : settings.Topic is not null ? TopicMode.RelayAsync(server, connection, settings)
                    : RelayAsync(server, connection)).ConfigureAwait(false);
            }
            else
            {
                // The echo loop right here, not in a method of its own: one state machine per idle connection, not two.
                await using (connection.ConfigureAwait(false))
                {
                    try
                    {
                        // Zero-copy, on the read loop: each message arrives in a pooled buffer, which goes back out
                        // and then back to the pool; no array, queue or asynchronous step per message.
                        await connection.HandleMessagesAsync(lease => connection.SendAsync(lease)).ConfigureAwait(false);
                    }
                    catch (ConnectionClosedException)
                    {
                        // The client went away mid-conversation: nothing left to answer.
                    }
                }
            }

            if (!settings.Quiet)
            {
                var code = connection.CloseStatus?.Code ?? CloseCode.AbnormalClosure;
                await Console.Error.WriteLineAsync($"disconnected #{connection.Id} {(int)code}").ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // One connection's unexpected failure is reported and must not end the server.
        catch (Exception error)
#pragma warning restore CA1031
        {
            await Console.Error.WriteLineAsync($"error: connection #{connection.Id}: {error.Message}").ConfigureAwait(false);
        }
        finally
        {
            handlers.Exit();
        }
    }

    /// <summary>The echo of <c>serve --echo --quiet</c>: what <see cref="HandleAsync"/> does for it, without the
    /// logging, and without anything of its own per connection: one static handler with the connection as its state
    /// (no delegate or closure per connection), and nothing waiting for the handling's task, whose failure is the
    /// connection's and is taken by the connection itself (no unobserved task exception). The connection ends by itself
    /// (the client's close, its disappearance, or a failed handler's 1011), and <see cref="WebSocketServer.StopAsync"/>
    /// closes and disposes every connection still open, so shutdown has nothing of these to wait for. The one failure
    /// that is not the connection's end, the handler's own, is logged by it.</summary>
    private static void EchoQuietly(WebSocketConnection connection)
    {
        try
        {
            // Zero-copy, on the read loop: each message arrives in a pooled buffer, which goes back out and then back
            // to the pool.
            _ = connection.HandleMessagesAsync(Echo, connection);   // a static method: one cached delegate for all
        }
#pragma warning disable CA1031 // One connection's unexpected failure is reported and must not end the server.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"error: connection #{connection.Id}: {error.Message}");
            _ = connection.DisposeAsync().AsTask();
        }
    }

    /// <summary>Sends <paramref name="lease"/> back on <paramref name="connection"/>.</summary>
    private static ValueTask Echo(MessageLease lease, WebSocketConnection connection)
    {
        ValueTask sending;
        try
        {
#pragma warning disable CA2012 // It is used: returned, or awaited by ObserveAsync.
            sending = connection.SendAsync(lease);
#pragma warning restore CA2012
        }
        catch (Exception error) when (error is not ConnectionClosedException)
        {
            Console.Error.WriteLine($"error: connection #{connection.Id}: {error.Message}");
            throw;
        }

        return sending.IsCompletedSuccessfully ? sending : ObserveAsync(connection, sending);
    }

    /// <summary>Waits for a send that waits for room; reports a failure other than the connection's end, which then
    /// fails the connection (1011) as the handler's failure.</summary>
    private static async ValueTask ObserveAsync(WebSocketConnection connection, ValueTask sending)
    {
        try
        {
            await sending.ConfigureAwait(false);
        }
        catch (Exception error) when (error is not ConnectionClosedException)
        {
            await Console.Error.WriteLineAsync($"error: connection #{connection.Id}: {error.Message}").ConfigureAwait(false);
            throw;
        }
    }

    private static async Task RelayAsync(WebSocketServer server, WebSocketConnection sender)
    {
        await using (sender.ConfigureAwait(false))
        {
            try
            {
                await foreach (var message in sender.ReadAllAsync().ConfigureAwait(false))
                {
                    try
                    {
                        await server.BroadcastAsync(message, except: sender).ConfigureAwait(false);
                    }
                    catch (RxSockets.Scaling.BackplaneUnavailableException error)
                    {
                        // This node's clients had it; the other nodes' will be reached again once Redis is back.
                        await Console.Error.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
                    }
                }
            }
            catch (ConnectionClosedException)
            {
                // The sender went away: the others have had everything it sent before.
            }
        }
    }
}
