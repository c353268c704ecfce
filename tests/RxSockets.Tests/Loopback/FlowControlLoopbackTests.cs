using System.Globalization;
using System.Reactive.Linq;

namespace RxSockets.Tests.Loopback;

public class FlowControlLoopbackTests
{
    private static readonly string[] s_symbols = ["AAPL", "MSFT", "NVDA"];

    [Test, CancelAfter(20_000)]
    public async Task ConflateByKey_BlockedSubscriber_DoesNotSlowOtherSubscriberNorReadLoopAndEndsWithNewestPerKey(CancellationToken cancellationToken)
    {
        const int Rounds = 500;   // 1,500 messages: far more than the receive queue and the socket buffers hold
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var serving = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                for (var round = 0; round < Rounds; round++)
                {
                    foreach (var symbol in s_symbols)
                    {
                        await connection.SendAsync(string.Create(CultureInfo.InvariantCulture, $"{symbol}:{round}"), cancellationToken);
                    }
                }

                await connection.CloseAsync(cancellationToken: cancellationToken);
                return;
            }
        }, cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        // Published, so both subscribers see every message: Incoming holds messages only until its first subscriber.
        var ticks = client.Incoming.Select(message => message.GetText()).Publish();
        var fastCount = 0;
        var fastDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var fast = ticks.Subscribe(_ => fastCount++, () => fastDone.TrySetResult());
        var statistics = new FlowStatistics();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowSeen = new Dictionary<string, string>();
        var slowDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var slow = ticks.ConflateByKey(tick => tick.Split(':')[0], statistics).Subscribe(
            tick =>
            {
                slowStarted.TrySetResult();
                release.Task.Wait(cancellationToken);   // a consumer stuck on its first value until the test lets it go
                slowSeen[tick.Split(':')[0]] = tick;
            },
            error => slowDone.TrySetException(error),
            () => slowDone.TrySetResult());
        using var connected = ticks.Connect();

        await fastDone.Task.WaitAsync(cancellationToken);
        await slowStarted.Task.WaitAsync(cancellationToken);
        var deliveredWhileBlocked = statistics.Delivered;
        release.SetResult();
        await slowDone.Task.WaitAsync(cancellationToken);
        await serving;

        Assert.That(fastCount, Is.EqualTo(Rounds * s_symbols.Length));
        Assert.That(deliveredWhileBlocked, Is.EqualTo(1));
        Assert.That(slowSeen.Values, Is.EquivalentTo(s_symbols.Select(symbol => $"{symbol}:{Rounds - 1}")));
        Assert.That(statistics.Dropped, Is.GreaterThan(0));
        Assert.That(statistics.Delivered + statistics.Dropped, Is.EqualTo(Rounds * s_symbols.Length));
    }
}
