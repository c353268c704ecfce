using RxSockets.Cli.Tests.Support;
using RxSockets.Messaging;

namespace RxSockets.Cli.Tests;

/// <summary>
/// <c>rxsockets subscribe</c>, <c>publish</c> and <c>request</c>: the messaging protocol's client commands, through
/// the real CLI processes against <c>serve --topics</c> or an in-test server whose hooks script refusals and drops.
/// Every wait is on a line the process prints.
/// </summary>
public class MessagingCommandsTests
{
    [Test, CancelAfter(60_000)]
    public async Task SubscribeAndPublish_EveryStdinLine_IsPrintedBySubscriberInOrder(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--topics", "--history", "100");
        await using var _ = serve;
        string[] lines = [.. Enumerable.Range(1, 200).Select(i => $"line {i}"), "héllo ✓", ""];
        await using var subscriber = CliProcess.Start("subscribe", url.ToString(), "news", "--count", lines.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await subscriber.WaitForErrorLineAsync("subscribed news at ", cancellationToken);

        await using var publisher = CliProcess.Start("publish", url.ToString(), "news", "--window", "16");
        foreach (var line in lines)
        {
            await publisher.Stdin.WriteLineAsync(line.AsMemory(), cancellationToken);
        }

        publisher.Stdin.Close();
        var printed = await ReadLinesAsync(subscriber, lines.Length, cancellationToken);
        var publishExit = await publisher.WaitForExitAsync(cancellationToken);
        var subscribeExit = await subscriber.WaitForExitAsync(cancellationToken);

        Assert.That(printed, Is.EqualTo(lines));
        Assert.That((publishExit, publisher.Stderr), Is.EqualTo((0, publisher.Stderr)));
        Assert.That(publisher.Stderr, Does.Match($@"^published {lines.Length} to news \(last at {lines.Length}@\S+\)\r?\n$"));
        Assert.That(publisher.Stdout, Is.Empty);
        Assert.That((subscribeExit, subscriber.Stderr), Is.EqualTo((0, subscriber.Stderr)));
    }

    [Test, CancelAfter(60_000)]
    public async Task Subscribe_ReconnectAcrossAProxyDrop_LosesAndRepeatsNothing(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--topics", "--history", "100");
        await using var _ = serve;
        // The handshake answer and the subok pass (about 250 bytes); the drop comes a few publications later.
        await using var proxy = new FaultProxy(url, (ProxyFault.Reset, 600));
        string[] lines = [.. Enumerable.Range(1, 40).Select(i => $"publication {i}")];
        await using var subscriber = CliProcess.Start("subscribe", proxy.Rewrite(url).ToString(), "news", "--reconnect", "--reconnect-delay", "50ms",
            "--count", "40");
        await subscriber.WaitForErrorLineAsync("subscribed news at ", cancellationToken);

        await using var publisher = CliProcess.Start("publish", url.ToString(), "news");
        foreach (var line in lines)
        {
            await publisher.Stdin.WriteLineAsync(line.AsMemory(), cancellationToken);
        }

        publisher.Stdin.Close();
        var printed = await ReadLinesAsync(subscriber, lines.Length, cancellationToken);
        var subscribeExit = await subscriber.WaitForExitAsync(cancellationToken);

        Assert.That(await publisher.WaitForExitAsync(cancellationToken), Is.Zero, publisher.Stderr);
        Assert.That(printed, Is.EqualTo(lines));
        Assert.That(proxy.Fired, Is.EqualTo(1));
        Assert.That(subscriber.Stderr, Does.Contain("reconnecting in 50ms (attempt 1)"));
        Assert.That(subscriber.Stderr, Does.Contain("reconnected after 1 attempt(s) (subscriptions recover from their last positions)"));
        Assert.That(subscriber.Stderr, Does.Not.Contain("gap:"));
        Assert.That(subscribeExit, Is.Zero, subscriber.Stderr);
    }

    [Test, CancelAfter(60_000)]
    public async Task Subscribe_ReconnectAfterMoreThanTheHistoryWasMissed_ReportsTheGapAndGoesOn(CancellationToken cancellationToken)
    {
        var refuseHandshakes = false;
        var options = new WebSocketServerOptions
        {
            Messaging = new MessagingServerOptions(),
            ConfigureTopic = _ => new TopicOptions { HistorySize = 2 },
            // While closed, reconnects are refused with 503 (worth retrying): the publications happen while it is away.
            VerifyClient = (_, _) => ValueTask.FromResult(Volatile.Read(ref refuseHandshakes) ? new HandshakeRejection(503) : null),
        };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var firstClient = new TaskCompletionSource<WebSocketConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watching = server.MessagingClients.Subscribe(connection => firstClient.TrySetResult(connection));
        await using var subscriber = CliProcess.Start("subscribe", server.Url.ToString(), "news", "--reconnect", "--reconnect-delay", "20ms", "--count", "2");
        await subscriber.WaitForErrorLineAsync("subscribed news at ", cancellationToken);
        var topic = server.Topic("news");

        await topic.PublishAsync("a", cancellationToken: cancellationToken);
        var beforeDrop = await subscriber.ReadLineAsync(cancellationToken);
        Volatile.Write(ref refuseHandshakes, true);
        (await firstClient.Task).Abort();
        foreach (var missed in new[] { "b", "c", "d", "e" })
        {
            await topic.PublishAsync(missed, cancellationToken: cancellationToken);
        }

        Volatile.Write(ref refuseHandshakes, false);
        var gap = await subscriber.WaitForErrorLineAsync("gap: ", cancellationToken);
        await topic.PublishAsync("f", cancellationToken: cancellationToken);
        var afterGap = await subscriber.ReadLineAsync(cancellationToken);
        var exitCode = await subscriber.WaitForExitAsync(cancellationToken);

        Assert.That(beforeDrop, Is.EqualTo("a"));
        // The server's history (2) no longer reaches back to 1: it says so and goes on live after the current 5.
        Assert.That(gap, Does.Match(@"^gap: news HistoryTrimmed 1@(\S+)\.\.5@\1$"));
        Assert.That(afterGap, Is.EqualTo("f"));
        Assert.That(exitCode, Is.Zero, subscriber.Stderr);
    }

    [Test, CancelAfter(60_000)]
    public async Task Subscribe_WithoutReconnect_ExitsOneOnALostConnectionAndZeroOnANormalClose(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Messaging = new MessagingServerOptions() }, cancellationToken);
        var connected = System.Threading.Channels.Channel.CreateUnbounded<WebSocketConnection>();
        using var watching = server.MessagingClients.Subscribe(connection => connected.Writer.TryWrite(connection));
        await using var one = CliProcess.Start("subscribe", server.Url.ToString(), "news");
        await one.WaitForErrorLineAsync("subscribed news at ", cancellationToken);
        await using var two = CliProcess.Start("subscribe", server.Url.ToString(), "news");
        await two.WaitForErrorLineAsync("subscribed news at ", cancellationToken);
        await server.Topic("news").PublishAsync("before the end", cancellationToken: cancellationToken);
        var printed = (await one.ReadLineAsync(cancellationToken), await two.ReadLineAsync(cancellationToken));

        // Which process has which connection does not matter: one is dropped, the other closed with 1000.
        (await connected.Reader.ReadAsync(cancellationToken)).Abort();
        await (await connected.Reader.ReadAsync(cancellationToken)).CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);
        int[] exits = [await one.WaitForExitAsync(cancellationToken), await two.WaitForExitAsync(cancellationToken)];
        string[] stderrs = [one.Stderr, two.Stderr];

        Assert.That(printed, Is.EqualTo(("before the end", "before the end")));
        Assert.That(exits.Order(), Is.EqualTo(new[] { 0, 1 }), string.Join(" | ", stderrs));
        Assert.That(stderrs[Array.IndexOf(exits, 0)], Does.Contain("closed 1000 done"));
        Assert.That(stderrs[Array.IndexOf(exits, 1)], Does.Contain("error: ").And.Not.Contain("reconnecting"));
    }

    [Test, CancelAfter(60_000)]
    public async Task PublishAndSubscribe_RefusedByTheServer_ExitOneWithTheCodeAndReason(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions
        {
            Messaging = new MessagingServerOptions
            {
                AuthorizePublish = (_, topic, _) => ValueTask.FromResult<string?>($"{topic} is read-only"),
                AuthorizeSubscribe = (_, topic, _) => ValueTask.FromResult(topic == "secret" ? "admins only" : null),
            },
        };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        await using var publisher = CliProcess.Start("publish", server.Url.ToString(), "news");
        await publisher.Stdin.WriteLineAsync("first".AsMemory(), cancellationToken);
        await publisher.Stdin.WriteLineAsync("second".AsMemory(), cancellationToken);
        publisher.Stdin.Close();
        await using var subscriber = CliProcess.Start("subscribe", server.Url.ToString(), "secret");

        var publishExit = await publisher.WaitForExitAsync(cancellationToken);
        var subscribeExit = await subscriber.WaitForExitAsync(cancellationToken);

        Assert.That(publishExit, Is.EqualTo(1), publisher.Stderr);
        Assert.That(publisher.Stderr, Does.StartWith("error: publication 1 refused: forbidden: news is read-only"));
        Assert.That(subscribeExit, Is.EqualTo(1), subscriber.Stderr);
        Assert.That(subscriber.Stderr, Does.Contain("error: subscription to secret refused: forbidden: admins only"));
        Assert.That(subscriber.Stdout, Is.Empty);
    }

    [Test, CancelAfter(60_000)]
    public async Task Publish_PipelinesUpToTheWindow_BeforeAnyAcknowledgment(CancellationToken cancellationToken)
    {
        // A scripted rxsockets.v1 server: it reads a whole window of publications before acknowledging any, which
        // only a pipelining publisher lets it do (one round trip per line would wait for the first puback for ever).
        var options = new WebSocketServerOptions();
        options.SubProtocols.Add(ProtocolCodec.SubProtocol);
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        await using var publisher = CliProcess.Start("publish", server.Url.ToString(), "news", "--window", "5");
        for (var i = 1; i <= 8; i++)
        {
            await publisher.Stdin.WriteLineAsync($"p{i}".AsMemory(), cancellationToken);
        }

        publisher.Stdin.Close();
        await using var connection = await FirstConnectionAsync(server, cancellationToken);
        var firstWindow = (await CliServe.ReadAsync(connection, 5, cancellationToken)).Select(Decode).ToList();
        foreach (var frame in firstWindow)
        {
            await connection.SendAsync(Acknowledgment(frame), cancellationToken);
        }

        var rest = (await CliServe.ReadAsync(connection, 3, cancellationToken)).Select(Decode).ToList();
        foreach (var frame in rest)
        {
            await connection.SendAsync(Acknowledgment(frame), cancellationToken);
        }

        var exitCode = await publisher.WaitForExitAsync(cancellationToken);

        Assert.That(firstWindow.Concat(rest).Select(f => (f.Kind, f.Topic, f.Payload?.GetText())),
            Is.EqualTo(Enumerable.Range(1, 8).Select(i => (FrameKind.Publish, (string?)"news", (string?)$"p{i}"))));
        Assert.That(exitCode, Is.Zero, publisher.Stderr);
        Assert.That(publisher.Stderr, Does.StartWith("published 8 to news (last at 8@e1)"));
    }

    [Test, CancelAfter(60_000)]
    public async Task Publish_ConnectionLostBeforeTheAcknowledgment_ExitsOne(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions
        {
            Messaging = new MessagingServerOptions
            {
                // The publication is in flight when its connection drops: it may or may not have been published.
                AuthorizePublish = (connection, _, _) =>
                {
                    connection.Abort();
                    return ValueTask.FromResult<string?>(null);
                },
            },
        };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        await using var publisher = CliProcess.Start("publish", server.Url.ToString(), "news");
        await publisher.Stdin.WriteLineAsync("lost".AsMemory(), cancellationToken);
        publisher.Stdin.Close();

        var exitCode = await publisher.WaitForExitAsync(cancellationToken);

        Assert.That(exitCode, Is.EqualTo(1), publisher.Stderr);
        Assert.That(publisher.Stderr, Does.Contain("error: "));
        Assert.That(publisher.Stderr, Does.Not.Contain("published"));
    }

    [Test, CancelAfter(60_000)]
    public async Task Request_PrintsTheReply_OrTheErrorAnswer(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--topics");
        await using var _ = serve;

        await using var echo = CliProcess.Start("request", url.ToString(), "hello there");
        await using var time = CliProcess.Start("request", url.ToString(), "--name", "time");
        time.Stdin.Close();   // without MESSAGE the request is stdin: here empty
        await using var fromStdin = CliProcess.Start("request", url.ToString(), "--name", "echo");
        await fromStdin.Stdin.WriteAsync("two\nlines\n".AsMemory(), cancellationToken);
        fromStdin.Stdin.Close();
        await using var unknown = CliProcess.Start("request", url.ToString(), "x", "--name", "nope", "--timeout", "10s");
        var exits = new[]
        {
            await echo.WaitForExitAsync(cancellationToken), await time.WaitForExitAsync(cancellationToken),
            await fromStdin.WaitForExitAsync(cancellationToken), await unknown.WaitForExitAsync(cancellationToken),
        };

        Assert.That(exits, Is.EqualTo(new[] { 0, 0, 0, 1 }), $"{echo.Stderr} | {time.Stderr} | {fromStdin.Stderr} | {unknown.Stderr}");
        Assert.That(echo.Stdout, Is.EqualTo("hello there" + Environment.NewLine));
        Assert.That(DateTimeOffset.TryParse(time.Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture, out var now), Is.True, time.Stdout);
        Assert.That(now.Offset, Is.EqualTo(TimeSpan.Zero));
        Assert.That(fromStdin.Stdout, Is.EqualTo("two\nlines" + Environment.NewLine));
        Assert.That(unknown.Stderr, Does.StartWith("error: not_found: "));
        Assert.That(unknown.Stdout, Is.Empty);
        Assert.That(echo.Stderr + time.Stderr + fromStdin.Stderr, Is.Empty);
    }

    [Test, CancelAfter(60_000)]
    public async Task MessagingCommands_ServerWithoutMessaging_ExitOneSayingSo(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--echo");
        await using var _ = serve;

        await using var request = CliProcess.Start("request", url.ToString(), "hi");
        var exitCode = await request.WaitForExitAsync(cancellationToken);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(request.Stderr, Does.StartWith("error: ").And.Contain("rxsockets.v1"));
        Assert.That(request.Stdout, Is.Empty);
    }

    [TestCase("subscribe")]
    [TestCase("subscribe ws://127.0.0.1:1/")]
    [TestCase("subscribe http://127.0.0.1:1/ news")]
    [TestCase("subscribe ws://127.0.0.1:1/ news extra")]
    [TestCase("subscribe ws://127.0.0.1:1/ news --resume")]
    [TestCase("subscribe ws://127.0.0.1:1/ news --count 0")]
    [TestCase("subscribe ws://127.0.0.1:1/ news --reconnect-delay 5")]
    [TestCase("publish ws://127.0.0.1:1/")]
    [TestCase("publish ws://127.0.0.1:1/ news --reconnect")]
    [TestCase("publish ws://127.0.0.1:1/ news --window 0")]
    [TestCase("publish ws://127.0.0.1:1/ news --timeout 0s")]
    [TestCase("request")]
    [TestCase("request ws://127.0.0.1:1/ one two")]
    [TestCase("request ws://127.0.0.1:1/ x --name")]
    [TestCase("request ws://127.0.0.1:1/ x --timeout 5")]
    [TestCase("request ws://127.0.0.1:1/ x --bogus")]
    [CancelAfter(30_000)]
    public async Task MessagingCommands_BadArguments_ExitTwoWithErrorOnStderr(string commandLine, CancellationToken cancellationToken)
    {
        await using var cli = CliProcess.Start(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        cli.Stdin.Close();

        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That((exitCode, cli.Stderr), Is.EqualTo((2, cli.Stderr)));
        Assert.That(cli.Stderr, Does.StartWith("error: "));
        Assert.That(cli.Stdout, Is.Empty);
    }

    [Test, CancelAfter(30_000)]
    public async Task MessagingCommands_TopicNameLongerThanTheProtocolAllows_IsAUsageError(CancellationToken cancellationToken)
    {
        await using var cli = CliProcess.Start("subscribe", "ws://127.0.0.1:1/", new string('t', 257));

        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(cli.Stderr, Does.StartWith("error: a topic name has 1 to 256 UTF-8 bytes, not 257"));
    }

    [TestCase("subscribe --help")]
    [TestCase("publish --help")]
    [TestCase("request -h")]
    [CancelAfter(30_000)]
    public async Task MessagingCommands_Help_PrintsUsageAndExitsZero(string commandLine, CancellationToken cancellationToken)
    {
        await using var cli = CliProcess.Start(commandLine.Split(' '));

        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(exitCode, Is.Zero);
        Assert.That(cli.Stdout, Does.StartWith($"Usage: rxsockets {commandLine.Split(' ')[0]} URL"));
        Assert.That(cli.Stderr, Is.Empty);
    }

    [Test, CancelAfter(30_000)]
    public async Task Help_ListsTheMessagingCommands(CancellationToken cancellationToken)
    {
        await using var cli = CliProcess.Start("--help");

        await cli.WaitForExitAsync(cancellationToken);

        Assert.That(cli.Stdout, Does.Contain("  subscribe ").And.Contain("  publish ").And.Contain("  request "));
    }

    [Test, CancelAfter(30_000)]
    public async Task Subscribe_ServerUnreachable_ExitsOneNamingIt(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Messaging = new MessagingServerOptions() }, cancellationToken);
        var url = server.Url;
        await server.DisposeAsync();   // nothing listens on its port any more
        await using var cli = CliProcess.Start("subscribe", url.ToString(), "news");

        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(cli.Stderr, Does.StartWith($"error: cannot connect to 127.0.0.1:{url.Port}: "));
    }

    private static async Task<WebSocketConnection> FirstConnectionAsync(WebSocketServer server, CancellationToken cancellationToken)
    {
        await foreach (var connection in server.AcceptAllAsync(cancellationToken))
        {
            return connection;
        }

        throw new InvalidOperationException("The server stopped before a connection.");
    }

    private static Message Acknowledgment(ProtocolFrame publication) =>
        ProtocolCodec.Encode(new ProtocolFrame(FrameKind.PublishAck) { Id = publication.Id, Topic = publication.Topic, Position = new TopicPosition(publication.Id, "e1") });

    private static ProtocolFrame Decode(Message message)
    {
        Assert.That(ProtocolCodec.TryDecode(message, out var frame, out var error), Is.True, error);
        return frame!;
    }

    private static async Task<List<string>> ReadLinesAsync(CliProcess cli, int count, CancellationToken cancellationToken)
    {
        var lines = new List<string>(count);
        while (lines.Count < count && await cli.ReadLineAsync(cancellationToken) is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }
}
