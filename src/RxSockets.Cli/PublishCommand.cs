using System.Text;

namespace RxSockets.Cli;

/// <summary><c>rxsockets publish</c>: every stdin line becomes one acknowledged publication, pipelined.</summary>
internal static class PublishCommand
{
    public const string Usage = """
        Usage: rxsockets publish URL TOPIC [options]

        Publishes every line read from stdin to TOPIC as one text publication, in order, over the messaging protocol
        (rxsockets.v1: an RxSockets server with messaging on, such as 'rxsockets serve --topics'). Publications are
        pipelined: up to --window of them await their acknowledgment at once, in the order of the lines; the server
        gives them positions in that order. When stdin ends (or on SIGINT/SIGTERM) it waits for the acknowledgments,
        prints "published N to TOPIC (last at OFFSET@EPOCH)" to stderr, closes with 1000 and exits 0.

        A refusal stops it with "error: publication N refused: CODE: REASON" on stderr (N counts the lines from 1)
        and exit code 1; so does a lost connection: the publications in flight may or may not have been published,
        so it does not reconnect and send them again (the protocol does not de-duplicate).

        Options:
          --window N                   publications in flight at once, 1..1000 (default 64; an RxSockets server
                                       answers more than its MaxPendingRequests, 100 by default, with 'limit')
          --timeout T                  how long a publication waits for its acknowledgment (default 30s)
          --keepalive-interval T       ping the server every T (default 20s)
          --keepalive-timeout T        declare the server dead when nothing arrives within T after a ping (default 20s)
          -H, --header "Name: value"   add a header to the upgrade request (repeatable)
          --max-message BYTES          largest message accepted (default 1048576)
          --max-fragments N            most frames per message, 0 = unlimited (default 1024)
          --deflate                    offer permessage-deflate compression (RFC 7692)
          --deflate-window-bits N      permessage-deflate with an LZ77 window of 2^N bytes (8..15) (implies --deflate)
          -k, --insecure               do not check the server's TLS certificate (like curl -k), for self-signed servers
          -h, --help                   show this help

        Exit codes: 0 every publication acknowledged, 1 connection failure, lost connection, refusal or timeout,
        2 usage error.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var reader = new ArgumentReader("publish", args);
        var flags = new MessagingClientFlags("publish", reconnectable: false);
        string? url = null;
        string? topicName = null;
        var window = 64;
        var timeout = TimeSpan.FromSeconds(30);
        while (reader.TryRead(out var token))
        {
            if (flags.TryRead(token, reader))
            {
                continue;
            }

            switch (token)
            {
                case "-h" or "--help":
                    await Console.Out.WriteAsync(Usage).ConfigureAwait(false);
                    return ExitCodes.Success;
                case "--window":
                    window = (int)reader.Number(1, 1000);
                    break;
                case "--timeout":
                    timeout = reader.Time(allowZero: false);
                    break;
                case var positional when url is null && !ArgumentReader.IsOption(positional):
                    url = token;
                    break;
                case var positional when topicName is null && !ArgumentReader.IsOption(positional):
                    topicName = token;
                    break;
                default:
                    throw reader.Unknown(token);
            }
        }

        var uri = reader.Url(url);
        var topic = flags.Topic(topicName);
        using var shutdown = new ShutdownSignal();
        var client = flags.CreateClient(uri, new MessagingClientOptions { RequestTimeout = timeout, MaxPendingRequests = window });
        await using (client.ConfigureAwait(false))
        {
            var closed = new TaskCompletionSource<ClientClosed>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var reporting = client.Events.Subscribe(new ClientEventReporter(closed, reportDisconnects: false, messaging: true, url: uri));
            if (!await MessagingClientFlags.StartAsync(client, closed.Task).ConfigureAwait(false))
            {
                return ExitCodes.Failure;
            }

            var publisher = new Publisher(client, topic, window, closed.Task);
            try
            {
                if (!await publisher.RunAsync(shutdown.Requested).ConfigureAwait(false))
                {
                    return ExitCodes.Failure;
                }
            }
            finally
            {
                publisher.ObserveInFlight();
            }

            reporting.Dispose();
            await client.StopAsync().ConfigureAwait(false);
            await Console.Error.WriteLineAsync($"published {publisher.Acknowledged} to {topic}{(publisher.Last is { } last ? $" (last at {last})" : "")}").ConfigureAwait(false);
            return ExitCodes.Success;
        }
    }

    /// <summary>Reads the lines and keeps up to the window of publications in flight, awaiting them oldest first.</summary>
    private sealed class Publisher(WebSocketClient client, string topic, int window, Task<ClientClosed> closed)
    {
        private readonly Queue<(long Number, Task<TopicPosition> Ack)> _inFlight = new();
        private long _sent;

        public long Acknowledged { get; private set; }

        public TopicPosition? Last { get; private set; }

        /// <returns>False when a publication failed or the connection ended (reported on stderr).</returns>
        public async Task<bool> RunAsync(Task shutdown)
        {
            // Not disposed: a read may still be pending when the connection ends, and stdin lives as long as the process.
            var stdin = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            while (true)
            {
                var reading = stdin.ReadLineAsync();
                var first = await Task.WhenAny(reading, closed, shutdown).ConfigureAwait(false);
                if (first == closed)
                {
                    // The server closed while stdin was quiet: nothing can be published any more.
                    return await ReportLossAsync().ConfigureAwait(false);
                }

                if (first == shutdown || await reading.ConfigureAwait(false) is not { } line)
                {
                    break;
                }

                if (_inFlight.Count == window && !await AwaitOldestAsync().ConfigureAwait(false))
                {
                    return false;
                }

                _inFlight.Enqueue((++_sent, client.PublishAsync(topic, Message.Text(line)).AsTask()));
            }

            while (_inFlight.Count > 0)
            {
                if (!await AwaitOldestAsync().ConfigureAwait(false))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Marks the publications still in flight as observed: disposing the client fails them.</summary>
        public void ObserveInFlight()
        {
            foreach (var (_, ack) in _inFlight)
            {
                _ = ack.ContinueWith(static task => _ = task.Exception, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }

        private async Task<bool> AwaitOldestAsync()
        {
            var (number, ack) = _inFlight.Peek();
            if (await Task.WhenAny(ack, closed).ConfigureAwait(false) != ack)
            {
                return await ReportLossAsync().ConfigureAwait(false);
            }

            try
            {
                Last = await ack.ConfigureAwait(false);
                _inFlight.Dequeue();
                Acknowledged++;
                return true;
            }
            catch (RequestFailedException error)
            {
                await Console.Error.WriteLineAsync($"error: publication {number} refused: {MessagingClientFlags.Describe(error)}").ConfigureAwait(false);
            }
            catch (ConnectionClosedException error)
            {
                await Console.Error.WriteLineAsync($"error: connection lost before publication {number} was acknowledged: {error.Message}").ConfigureAwait(false);
            }

            return false;
        }

        private async Task<bool> ReportLossAsync()
        {
            // The reporter printed how the connection ended; say what became of the lines.
            await Console.Error.WriteLineAsync($"error: the connection ended with {Acknowledged} publication(s) acknowledged and {_inFlight.Count} unacknowledged").ConfigureAwait(false);
            return false;
        }
    }
}
