using RxSockets.Cli.Tests.Support;
using RxSockets.Redis.Tests.Support;

namespace RxSockets.Cli.Tests;

/// <summary><c>rxsockets serve --backplane redis://…</c>: several CLI processes on one real redis-server act as one
/// server.</summary>
public class ServeBackplaneTests
{
    [TestCase("http://127.0.0.1:6379")]
    [TestCase("redis://")]
    [TestCase("redis://127.0.0.1:notaport")]
    [TestCase("redis://127.0.0.1:0")]
    [TestCase("redis://127.0.0.1:65536")]
    [CancelAfter(30_000)]
    public async Task Serve_MalformedBackplaneUrl_ExitsTwoWithAUsageError(string url, CancellationToken cancellationToken)
    {
        await using var serve = CliProcess.Start("serve", "--port", "0", "--echo", "--backplane", url);

        var exitCode = await serve.WaitForExitAsync(cancellationToken);

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(serve.Stderr, Does.Contain("--backplane"));
        Assert.That(serve.Stdout, Does.Not.Contain("listening on"));
    }

    [Test, CancelAfter(30_000)]
    public async Task Serve_UnreachableRedis_ExitsOneWithAClearMessage(CancellationToken cancellationToken)
    {
        var port = RedisServer.FreePort();
        await using var serve = CliProcess.Start("serve", "--port", "0", "--echo", "--backplane", $"redis://127.0.0.1:{port}");

        var exitCode = await serve.WaitForExitAsync(cancellationToken);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(serve.Stderr, Does.Contain("error: cannot join the backplane").And.Contain($"127.0.0.1:{port}"));
        Assert.That(serve.Stdout, Does.Not.Contain("listening on"));
    }

    [Test, CancelAfter(60_000)]
    public async Task Serve_BroadcastOnTwoNodes_EveryOtherClientOnEveryNodeGetsEachMessageInOrderPerSender(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        var (one, oneUrl) = await CliServe.StartAsync(cancellationToken, "--broadcast", "--backplane", $"redis://{redis.Configuration}");
        await using var _ = one;
        var (two, twoUrl) = await CliServe.StartAsync(cancellationToken, "--broadcast", "--backplane", $"redis://{redis.Configuration}");
        await using var __ = two;
        await using var alice = await CliServe.ConnectListedAsync(one, oneUrl, cancellationToken);
        await using var carol = await CliServe.ConnectListedAsync(one, oneUrl, cancellationToken);
        await using var bob = await CliServe.ConnectListedAsync(two, twoUrl, cancellationToken);

        const int count = 300;
        var atCarol = CliServe.ReadTextsAsync(carol, 2 * count + 1, cancellationToken);   // alice's, bob's and alice's "done"
        var atBob = CliServe.ReadTextsAsync(bob, count + 1, cancellationToken);
        var atAlice = CliServe.ReadTextsAsync(alice, count, cancellationToken);
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                await alice.SendAsync($"a{i}", cancellationToken);
            }
        }, cancellationToken);
        for (var i = 0; i < count; i++)
        {
            await bob.SendAsync($"b{i}", cancellationToken);
        }

        await sending;
        await alice.SendAsync("done", cancellationToken);

        var fromAlice = Enumerable.Range(0, count).Select(i => $"a{i}").ToList();
        var fromBob = Enumerable.Range(0, count).Select(i => $"b{i}").ToList();
        var carolGot = await atCarol;
        Assert.That(carolGot.Where(text => text[0] == 'a'), Is.EqualTo(fromAlice), "alice's messages in her order, each once");
        Assert.That(carolGot.Where(text => text[0] == 'd'), Is.EqualTo(new[] { "done" }));
        Assert.That(carolGot.Where(text => text[0] == 'b'), Is.EqualTo(fromBob), "bob's, from the other node, in his order");
        Assert.That(await atBob, Is.EqualTo(fromAlice.Append("done")), "bob never gets his own");
        Assert.That(await atAlice, Is.EqualTo(fromBob));
    }

    [Test, CancelAfter(60_000)]
    public async Task Serve_EchoWithBackplane_EchoesOnlyToTheSender(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        var (one, oneUrl) = await CliServe.StartAsync(cancellationToken, "--echo", "--backplane", $"redis://{redis.Configuration}");
        await using var _ = one;
        var (two, twoUrl) = await CliServe.StartAsync(cancellationToken, "--echo", "--backplane", $"redis://{redis.Configuration}");
        await using var __ = two;
        await using var alice = await CliServe.ConnectListedAsync(one, oneUrl, cancellationToken);
        await using var bob = await CliServe.ConnectListedAsync(two, twoUrl, cancellationToken);

        await alice.SendAsync("from alice", cancellationToken);
        await bob.SendAsync("from bob", cancellationToken);

        Assert.That(await CliServe.ReadTextsAsync(alice, 1, cancellationToken), Is.EqualTo(new[] { "from alice" }));
        Assert.That(await CliServe.ReadTextsAsync(bob, 1, cancellationToken), Is.EqualTo(new[] { "from bob" }));
    }

    [Test, CancelAfter(90_000)]
    public async Task Serve_TopicNodeKilled_ItsClientRecoversFromHistoryOnAnotherNode_AndPresenceDropsItsMember(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        string[] mode = ["--topic", "feed", "--history", "1000", "--positions", "--backplane", $"redis://{redis.Configuration}"];
        var (one, oneUrl) = await CliServe.StartAsync(cancellationToken, mode);
        await using var _ = one;
        var (two, twoUrl) = await CliServe.StartAsync(cancellationToken, mode);
        await using var __ = two;
        await using var publisher = await CliServe.ConnectListedAsync(one, oneUrl, cancellationToken);
        var subscriber = await CliServe.ConnectListedAsync(two, twoUrl, cancellationToken);
        await one.WaitForErrorLineAsync("remote joined", cancellationToken);   // node one sees the subscriber on node two

        // The subscriber reads 40 of the first 100, then its node dies with SIGKILL while the publisher goes on.
        for (var i = 1; i <= 100; i++)
        {
            await publisher.SendAsync($"m{i}", cancellationToken);
        }

        var seen = await CliServe.ReadTextsAsync(subscriber, 40, cancellationToken);
        await two.SignalAsync("KILL", cancellationToken);
        for (var i = 101; i <= 150; i++)
        {
            await publisher.SendAsync($"m{i}", cancellationToken);
        }

        var last = seen[^1][..seen[^1].IndexOf(' ', StringComparison.Ordinal)];
        await using var back = await WebSocketConnection.ConnectAsync(new Uri(oneUrl, $"?since={Uri.EscapeDataString(last)}"), cancellationToken: cancellationToken);
        var rest = await CliServe.ReadTextsAsync(back, 110, cancellationToken);
        var left = await one.WaitForErrorLineAsync("remote left", cancellationToken);
        await subscriber.DisposeAsync();

        var texts = seen.Concat(rest).Select(line => line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        Assert.That(texts, Is.EqualTo(Enumerable.Range(1, 150).Select(i => $"m{i}")), "everything once, in order, across the node's death");
        Assert.That(seen.Concat(rest).Select(line => line[..line.IndexOf('@', StringComparison.Ordinal)]),
            Is.EqualTo(Enumerable.Range(1, 150).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.That(left, Does.StartWith("remote left "));
    }
}
