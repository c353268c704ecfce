namespace RxSockets.Cli;

/// <summary><c>rxsockets subscribe</c>: prints a topic's publications over the messaging protocol, recovering what
/// it missed across reconnects.</summary>
internal static class SubscribeCommand
{
    public const string Usage = """
        Usage: rxsockets subscribe URL TOPIC [options]

        Subscribes to TOPIC over the messaging protocol (rxsockets.v1: an RxSockets server with messaging on, such as
        'rxsockets serve --topics') and prints every publication on its own line, in order: text as is, binary as
          <binary N bytes: HEX>
        as 'connect' prints binary messages. The subscription starts live, with the next publication.
        stderr says "subscribed TOPIC at OFFSET@EPOCH" once the server has confirmed it.

        With --reconnect, a lost connection is reconnected (exponential backoff, reported on stderr as 'connect
        --reconnect' does) and the topic subscribed again from the last position printed: the server sends what was
        missed, so nothing is lost or printed twice. When its history no longer reaches back that far, the missed
        publications cannot be recovered: stderr says
          gap: TOPIC REASON LAST..CURRENT
        (REASON HistoryTrimmed, EpochChanged or BackplaneLost) and it goes on with the publications after CURRENT.

        Options:
          --count N                    exit 0 after printing N publications
          --reconnect                  reconnect after a loss and recover the missed publications (see above)
          --reconnect-delay T          first reconnect delay, doubled each attempt up to 30s (default 1s)
          --max-reconnect-attempts K   attempts per outage before giving up, 0 = for ever (default 0)
          --keepalive-interval T       ping the server every T (default 20s)
          --keepalive-timeout T        declare the server dead when nothing arrives within T after a ping (default 20s)
          -H, --header "Name: value"   add a header to the upgrade request (repeatable)
          --max-message BYTES          largest message accepted (default 1048576)
          --max-fragments N            most frames per message, 0 = unlimited (default 1024)
          --deflate                    offer permessage-deflate compression (RFC 7692)
          --deflate-window-bits N      permessage-deflate with an LZ77 window of 2^N bytes (8..15) (implies --deflate)
          -k, --insecure               do not check the server's TLS certificate (like curl -k), for self-signed servers
          -h, --help                   show this help

        Exit codes: 0 when the server closes with 1000 or 1001 (with --reconnect, 1001 — the server going away — is
        reconnected, so only 1000 ends it), after --count publications, or on SIGINT/SIGTERM; 1 when the connection
        fails, is lost without --reconnect, or the client gives up, when the server closes with another code, or
        when it refuses the subscription ("error: subscription to TOPIC refused: CODE: REASON"); 2 usage error.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var reader = new ArgumentReader("subscribe", args);
        var flags = new MessagingClientFlags("subscribe", reconnectable: true);
        string? url = null;
        string? topicName = null;
        var count = 0L;
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
                case "--count":
                    count = reader.Number(1, long.MaxValue);
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
        var name = flags.Topic(topicName);
        using var shutdown = new ShutdownSignal();
        var client = flags.CreateClient(uri, new MessagingClientOptions());
        Task<long> printing;
        Task confirming;
        int exitCode;
        await using (client.ConfigureAwait(false))
        {
            var closed = new TaskCompletionSource<ClientClosed>(TaskCreationOptions.RunContinuationsAsynchronously);
            var reporting = client.Events.Subscribe(new ClientEventReporter(closed, reportDisconnects: flags.Reconnect, messaging: true, url: uri));
            var topic = client.Topic(name);

            // Called before the client starts: the topic is wanted, so its subscription is the first frame sent.
            printing = PrintAsync(topic, count);
            confirming = ReportSubscribedAsync(topic, printing);
            exitCode = await MessagingClientFlags.StartAsync(client, closed.Task).ConfigureAwait(false)
                ? await RunAsync(client, name, printing, closed.Task, shutdown.Requested, reporting).ConfigureAwait(false)
                : ExitCodes.Failure;
            reporting.Dispose();
        }

        // Disposing the client ends the enumeration once what it had received is printed.
        try
        {
            await printing.ConfigureAwait(false);
        }
        catch (RequestFailedException)
        {
            // Reported by RunAsync.
        }

        await confirming.ConfigureAwait(false);
        return exitCode;
    }

    private static async Task<int> RunAsync(WebSocketClient client, string topic, Task<long> printing, Task<ClientClosed> closed, Task shutdown, IDisposable reporting)
    {
        var first = await Task.WhenAny(closed, printing, shutdown).ConfigureAwait(false);
        if (first == closed)
        {
            return ClientEventReporter.ExitCode(await closed.ConfigureAwait(false));
        }

        var exitCode = ExitCodes.Success;
        if (first == printing && printing.Exception?.InnerException is RequestFailedException refused)
        {
            await Console.Error.WriteLineAsync($"error: subscription to {topic} refused: {MessagingClientFlags.Describe(refused)}").ConfigureAwait(false);
            exitCode = ExitCodes.Failure;
        }

        // We end it (--count, a refusal, a signal): no "closed 1000" line for our own close.
        reporting.Dispose();
        await client.StopAsync().ConfigureAwait(false);
        return exitCode;
    }

    /// <summary>Prints the topic's publications until <paramref name="limit"/> (0 = no limit) or the client's end.</summary>
    /// <returns>How many were printed.</returns>
    private static async Task<long> PrintAsync(ClientTopic topic, long limit)
    {
        var printed = 0L;
        await foreach (var message in topic.ReadAllAsync().ConfigureAwait(false))
        {
            await Console.Out.WriteLineAsync(MessageFormat.Describe(message)).ConfigureAwait(false);
            if (++printed == limit)
            {
                break;
            }
        }

        return printed;
    }

    /// <summary>Says "subscribed TOPIC at POS" on stderr once the server has confirmed the subscription, so a script
    /// (or a test) knows when publications will reach it.</summary>
    private static async Task ReportSubscribedAsync(ClientTopic topic, Task printing)
    {
        // The client raises no event when the server confirms a subscription (subok); it sets the topic's position
        // then (or on an earlier live publication), so a short poll of the position tells. It stops when printing
        // ends (the client's end, a refusal, --count).
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        while (topic.Position is null && !printing.IsCompleted)
        {
            await timer.WaitForNextTickAsync().ConfigureAwait(false);
        }

        if (topic.Position is { } position)
        {
            await Console.Error.WriteLineAsync($"subscribed {topic.Name} at {position}").ConfigureAwait(false);
        }
    }
}
