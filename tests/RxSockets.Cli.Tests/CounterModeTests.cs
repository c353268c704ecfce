using System.Globalization;
using RxSockets.Cli.Tests.Support;
using RxSockets.Resumption;

namespace RxSockets.Cli.Tests;

public class CounterModeTests
{
    [Test, CancelAfter(30_000)]
    public async Task Serve_Count_SendsOneToNThenClosesNormally(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--count", "50");
        await using var _ = serve;
        await using var client = await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken);

        var received = await ReadToEndAsync(client, cancellationToken);

        Assert.That(received, Is.EqualTo(Numbers(1, 50)));
        Assert.That(client.CloseStatus?.Code, Is.EqualTo(CloseCode.NormalClosure));
    }

    [Test, CancelAfter(30_000)]
    public async Task Serve_CountWithRate_SendsOneToNThenClosesNormally(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--count", "5", "--rate", "100");
        await using var _ = serve;
        await using var client = await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken);

        var received = await ReadToEndAsync(client, cancellationToken);

        Assert.That(received, Is.EqualTo(Numbers(1, 5)));
        Assert.That(client.CloseStatus?.Code, Is.EqualTo(CloseCode.NormalClosure));
    }

    [Test, CancelAfter(30_000)]
    public async Task Serve_CountEachConnection_StartsAtOneForEveryPlainClient(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--count", "3", "--resume");
        await using var _ = serve;
        await using var first = await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken);
        await using var second = await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken);

        var atFirst = await ReadToEndAsync(first, cancellationToken);
        var atSecond = await ReadToEndAsync(second, cancellationToken);

        Assert.That(atFirst, Is.EqualTo(Numbers(1, 3)));
        Assert.That(atSecond, Is.EqualTo(Numbers(1, 3)));
    }

    [Test, CancelAfter(30_000)]
    public async Task Serve_CountWithResume_ResumedSessionContinuesTheCount(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--count", "20", "--rate", "200", "--resume");
        await using var _ = serve;
        var layer = new ResumeLayer(new ResumeOptions(), System.Reactive.Concurrency.DefaultScheduler.Instance);
        var (first, firstResumed) = await ConnectAsync(url, layer, cancellationToken);
        var beforeDrop = await ReadUserAsync(first, layer, 5, cancellationToken);
        first.Abort();
        await first.DisposeAsync();
        layer.Detach();

        var (second, secondResumed) = await ConnectAsync(url, layer, cancellationToken);
        await using var __ = second;
        var afterResume = await ReadUserAsync(second, layer, int.MaxValue, cancellationToken);

        Assert.That(firstResumed, Is.False);
        Assert.That(secondResumed, Is.True);
        Assert.That(beforeDrop.Concat(afterResume), Is.EqualTo(Numbers(1, 20)));
        Assert.That(second.CloseStatus?.Code, Is.EqualTo(CloseCode.NormalClosure));
    }

    [TestCase("--rate 10")]
    [TestCase("--resume")]
    [TestCase("--echo --count 3")]
    public async Task Serve_CounterOptionsMisused_IsUsageError(string arguments)
    {
        await using var cli = CliProcess.Start(["serve", .. arguments.Split(' ')]);

        var exitCode = await cli.WaitForExitAsync(CancellationToken.None);

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(cli.Stderr, Does.Contain("error"));
    }

    private static string[] Numbers(int from, int to) =>
        [.. Enumerable.Range(from, to - from + 1).Select(i => i.ToString(CultureInfo.InvariantCulture))];

    private static async Task<List<string>> ReadToEndAsync(WebSocketConnection client, CancellationToken cancellationToken)
    {
        var received = new List<string>();
        await foreach (var message in client.ReadAllAsync(cancellationToken))
        {
            received.Add(message.GetText());
        }

        return received;
    }

    private static async Task<(WebSocketConnection Connection, bool Resumed)> ConnectAsync(Uri url, ResumeLayer layer, CancellationToken cancellationToken)
    {
        var options = new WebSocketClientOptions();
        options.SubProtocols.Add(layer.SubProtocols[0]);
        var connection = await WebSocketConnection.ConnectAsync(url, options, cancellationToken);
        return (connection, await layer.AttachAsync(connection, cancellationToken));
    }

    /// <summary>Reads user messages through the layer: up to <paramref name="count"/>, or until the server closes.</summary>
    private static async Task<List<string>> ReadUserAsync(WebSocketConnection connection, ResumeLayer layer, int count, CancellationToken cancellationToken)
    {
        var received = new List<string>();
        await foreach (var wire in connection.ReadAllAsync(cancellationToken))
        {
            if (layer.TryUnwrapIncoming(wire, out var user))
            {
                received.Add(user.GetText());
                if (received.Count == count)
                {
                    break;
                }
            }
        }

        return received;
    }
}
