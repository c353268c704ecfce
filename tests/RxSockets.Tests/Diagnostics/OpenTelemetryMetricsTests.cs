using OpenTelemetry;
using OpenTelemetry.Metrics;
using RxSockets.Diagnostics;
using RxSockets.Messaging;
using RxSockets.Tests.Messaging;
using RxSockets.Resumption;
using RxSockets.Tests.Client;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Diagnostics;

/// <summary>The instruments added after the first slice (queue depths, drops, ping round trips, giving up, resume
/// replays), collected the way users collect them: an OpenTelemetry <see cref="MeterProvider"/> with
/// <c>AddMeter("RxSockets")</c> and the SDK's in-memory exporter, read after <c>ForceFlush</c>. NonParallelizable: the
/// queue depths and the drops are process-wide sums (no port tag), so each test compares a collection before and after
/// its own doing while nothing else runs.</summary>
[NonParallelizable]
public class OpenTelemetryMetricsTests
{
    [Test, CancelAfter(30_000)]
    public async Task QueueDepths_MessagesWaitingForTheServersConsumer_CountedUntilRead_AndThePingRoundTripRecorded(CancellationToken cancellationToken)
    {
        using var collector = new Collector();
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan }, cancellationToken);
        var port = server.LocalEndPoint.Port;
        var accepted = InMemory.NextAsync(server.Connections, cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, new WebSocketClientOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan }, cancellationToken);
        var serverSide = await accepted;
        var before = collector.Collect();

        foreach (var text in new[] { "one", "two", "three" })
        {
            await client.SendAsync(text, cancellationToken);
        }

        // The server's read loop answers the ping after it has queued the three messages before it: once the pong is
        // back, they wait in its inbound queue (nobody reads them yet).
        await client.PingAsync(cancellationToken: cancellationToken);
        var waiting = collector.Collect();
        var read = new List<Message>();
        await foreach (var message in serverSide.ReadAllAsync(cancellationToken))
        {
            read.Add(message);
            if (read.Count == 3)
            {
                break;
            }
        }

        var drained = collector.Collect();

        Assert.That(read, Has.Count.EqualTo(3));
        Assert.Multiple(() =>
        {
            Assert.That(Collector.Sum(waiting, "rxsockets.queue.messages", ServerInbound) - Collector.Sum(before, "rxsockets.queue.messages", ServerInbound), Is.EqualTo(3));
            Assert.That(Collector.Sum(waiting, "rxsockets.queue.bytes", ServerInbound) - Collector.Sum(before, "rxsockets.queue.bytes", ServerInbound), Is.EqualTo("onetwothree".Length));
            Assert.That(Collector.Sum(drained, "rxsockets.queue.messages", ServerInbound), Is.EqualTo(Collector.Sum(before, "rxsockets.queue.messages", ServerInbound)), "read: gone from the queue");
            Assert.That(Collector.Count(drained, "rxsockets.ping.duration", tags => Equals(tags["server.port"], port) && Equals(tags[RxSocketsMetrics.RoleTag], "client")), Is.EqualTo(1));
        });
    }

    [Test, CancelAfter(30_000)]
    public async Task Drops_CountedWithDirectionAndPolicy(CancellationToken cancellationToken)
    {
        using var collector = new Collector();
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var before = collector.Collect();

        // A client not started yet holds at most two messages and drops the oldest for each newer one: three dropped.
        await using (var reconnecting = new WebSocketClient(server.Url, reconnect: new ReconnectOptions { SendQueueCapacity = 2, SendOverflow = SendQueueOverflow.DropOldest }))
        {
            for (var i = 0; i < 5; i++)
            {
                reconnecting.Outgoing.OnNext(Message.Text($"m{i}"));
            }

            Assert.That(reconnecting.DroppedOutgoing, Is.EqualTo(3));
        }

        // A closed connection's Outgoing counts what it is given as dropped while closing.
        var connection = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        await connection.CloseAsync(CloseCode.NormalClosure, "", cancellationToken);
        connection.Outgoing.OnNext(Message.Text("too late"));
        await connection.DisposeAsync();
        var after = collector.Collect();

        static Func<IReadOnlyDictionary<string, object?>, bool> Dropped(string policy) => tags =>
            Equals(tags[RxSocketsMetrics.RoleTag], "client") && Equals(tags[RxSocketsMetrics.DirectionTag], "outbound") && Equals(tags[RxSocketsMetrics.PolicyTag], policy);
        Assert.Multiple(() =>
        {
            Assert.That(Collector.Sum(after, "rxsockets.messages.dropped", Dropped("drop_oldest")) - Collector.Sum(before, "rxsockets.messages.dropped", Dropped("drop_oldest")), Is.EqualTo(3));
            Assert.That(Collector.Sum(after, "rxsockets.messages.dropped", Dropped("closing")) - Collector.Sum(before, "rxsockets.messages.dropped", Dropped("closing")), Is.EqualTo(1));
        });
    }

    [TestCase(BroadcastOverflow.DropNewest, "drop_newest", 2)]
    [TestCase(BroadcastOverflow.DropOldest, "drop_oldest", 2)]
    [TestCase(BroadcastOverflow.Disconnect, "disconnect", 1)]
    [CancelAfter(10_000)]
    public async Task Drops_TopicPublishesOverAStuckMembersBudget_CountedWithTheBroadcastPolicy(BroadcastOverflow overflow, string policy, int dropped, CancellationToken cancellationToken)
    {
        using var collector = new Collector();
        await using var server = Detached.Server(configure: o =>
        {
            o.BroadcastOverflow = overflow;
            o.BroadcastQueueLimit = 2;
        });
        GatedPipeWriter? gate = null;
        var (slow, _) = await Detached.OpenAsync(server, cancellationToken, output => gate = new GatedPipeWriter(output));
        var topic = server.Topic("feed");
        topic.Join(slow);
        await topic.PublishAsync("m0", cancellationToken: cancellationToken);
        await gate!.FirstFlushStarted.WaitAsync(cancellationToken);   // the writer is stuck on m0: the queue fills
        var before = collector.Collect();

        foreach (var text in new[] { "m1", "m2", "m3", "m4" })
        {
            await topic.PublishAsync(text, cancellationToken: cancellationToken);
        }

        var after = collector.Collect();
        gate.ReleaseFirstFlush();

        Func<IReadOnlyDictionary<string, object?>, bool> ours = tags =>
            Equals(tags[RxSocketsMetrics.RoleTag], "server") && Equals(tags[RxSocketsMetrics.DirectionTag], "outbound") && Equals(tags[RxSocketsMetrics.PolicyTag], policy);
        Assert.That(topic.DroppedMessages, Is.EqualTo(dropped));
        Assert.That(Collector.Sum(after, "rxsockets.messages.dropped", ours) - Collector.Sum(before, "rxsockets.messages.dropped", ours), Is.EqualTo(dropped),
            "one measurement per message counted in DroppedMessages");
    }

    [Test, CancelAfter(30_000)]
    public async Task Reconnect_PolicyGivesUp_CountsTheFailedAttemptAndTheGivingUp(CancellationToken cancellationToken)
    {
        using var collector = new Collector();
        var handshakes = 0;
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions
        {
            // Only the first handshake is accepted: the one reconnection attempt allowed is refused.
            VerifyClient = (_, _) => ValueTask.FromResult(Interlocked.Increment(ref handshakes) == 1 ? null : new HandshakeRejection(503)),
        }, cancellationToken);
        var port = server.LocalEndPoint.Port;
        var first = InMemory.NextAsync(server.Connections, cancellationToken);
        await using var client = new WebSocketClient(server.Url, reconnect: new ReconnectOptions
        {
            ReconnectDelay = TimeSpan.FromMilliseconds(10), MaxReconnectDelay = TimeSpan.FromMilliseconds(20), MaxReconnectAttempts = 1,
        });
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        (await first).Abort();
        await log.WaitForAsync<ClientGaveUp>(1, cancellationToken);
        var after = collector.Collect();

        bool Ours(IReadOnlyDictionary<string, object?> tags) => Equals(tags["server.port"], port);
        Assert.Multiple(() =>
        {
            Assert.That(Collector.Sum(after, "rxsockets.client.reconnect.gave_up", Ours), Is.EqualTo(1));
            Assert.That(Collector.Sum(after, "rxsockets.client.reconnect.attempts", tags => Ours(tags) && Equals(tags[RxSocketsMetrics.OutcomeTag], "failure")), Is.EqualTo(1));
        });
    }

    [Test, CancelAfter(30_000)]
    public async Task Resume_BothEndsCountTheResumeAndWhatTheyReplayed(CancellationToken cancellationToken)
    {
        using var collector = new Collector();
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Resume = new ResumeOptions(), KeepAliveInterval = Timeout.InfiniteTimeSpan }, cancellationToken);
        var driver = new ResumeDriver(server.Url, new ResumeLayer(new ResumeOptions(), System.Reactive.Concurrency.DefaultScheduler.Instance),
            () => new WebSocketClientOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan });
        var sessions = server.AcceptAllSessionsAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var before = collector.Collect();
        var (first, _) = await driver.ConnectAsync(cancellationToken);
        await sessions.MoveNextAsync();
        var session = sessions.Current;
        await using var serverReader = session.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

        driver.Layer.WrapOutgoing(Message.Text("c1"));   // numbered, then lost with the connection: the client replays it
        await driver.DropAsync(first);
        await Until.TrueAsync(() => session.Connection is null, cancellationToken);
        await session.SendAsync("s1", cancellationToken);   // sent while the client is away: the server replays both
        await session.SendAsync("s2", cancellationToken);
        var (second, resumed) = await driver.ConnectAsync(cancellationToken);
        await using var _ = second;
        await driver.ReadAsync(second, 2, cancellationToken);
        await serverReader.MoveNextAsync();
        var after = collector.Collect();

        static Func<IReadOnlyDictionary<string, object?>, bool> Role(string role) => tags => Equals(tags[RxSocketsMetrics.RoleTag], role);
        static Func<IReadOnlyDictionary<string, object?>, bool> Resumed(string role) => tags => Role(role)(tags) && Equals(tags[RxSocketsMetrics.OutcomeTag], "resumed");
        Assert.That(resumed, Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(Collector.Sum(after, "rxsockets.resume.attempts", Resumed("server")) - Collector.Sum(before, "rxsockets.resume.attempts", Resumed("server")), Is.EqualTo(1));
            Assert.That(Collector.Sum(after, "rxsockets.resume.attempts", Resumed("client")) - Collector.Sum(before, "rxsockets.resume.attempts", Resumed("client")), Is.EqualTo(1));
            Assert.That(Collector.Sum(after, "rxsockets.resume.replayed", Role("server")) - Collector.Sum(before, "rxsockets.resume.replayed", Role("server")), Is.EqualTo(2));
            Assert.That(Collector.Sum(after, "rxsockets.resume.replayed", Role("client")) - Collector.Sum(before, "rxsockets.resume.replayed", Role("client")), Is.EqualTo(1));
        });
    }

    [Test, CancelAfter(30_000)]
    public async Task TopicGap_ReportedByTheServer_CountedOnTheClient(CancellationToken cancellationToken)
    {
        using var collector = new Collector();
        await using var server = await ScriptedMessagingServer.StartAsync(cancellationToken);
        await using var client = new WebSocketClient(server.Url, new WebSocketClientOptions { Messaging = new MessagingClientOptions(), KeepAliveInterval = Timeout.InfiniteTimeSpan });
        await client.StartAsync(cancellationToken);
        var peer = await server.NextAsync(cancellationToken);
        var topic = client.Topic("prices");
        var gaps = new RecordingObserver<ClientTopicGap>();
        using var watching = topic.Gaps.Subscribe(gaps);
        using var subscription = topic.Subscribe(new RecordingObserver<Message>());
        var sub = await peer.ExpectAsync(FrameKind.Subscribe, cancellationToken);
        await peer.SubscribedAsync(sub, 0, cancellationToken);
        var before = collector.Collect();

        await peer.SendAsync(new ProtocolFrame(FrameKind.Gap)
        {
            Topic = "prices", Position = new TopicPosition(1, "e1"), Current = new TopicPosition(5, "e1"), Reason = "trimmed",
        }, cancellationToken);
        await gaps.WaitForCountAsync(1, cancellationToken);
        var after = collector.Collect();

        Assert.That(Collector.Sum(after, "rxsockets.client.topic.gaps", _ => true) - Collector.Sum(before, "rxsockets.client.topic.gaps", _ => true), Is.EqualTo(1));
    }

    private static bool ServerInbound(IReadOnlyDictionary<string, object?> tags) =>
        Equals(tags[RxSocketsMetrics.RoleTag], "server") && Equals(tags[RxSocketsMetrics.DirectionTag], "inbound");

    /// <summary>A <see cref="MeterProvider"/> on the <c>RxSockets</c> meter exporting snapshots to the in-memory
    /// exporter (cumulative: each collection carries the totals since the provider was built).</summary>
    private sealed class Collector : IDisposable
    {
        private readonly List<MetricSnapshot> _exported = [];
        private readonly MeterProvider _provider;

        public Collector() =>
            _provider = Sdk.CreateMeterProviderBuilder().AddMeter(RxSocketsMetrics.MeterName).AddInMemoryExporter(_exported).Build();

        /// <summary>Collects now: the snapshot of every instrument, by name.</summary>
        public Dictionary<string, MetricSnapshot> Collect()
        {
            _exported.Clear();
            _provider.ForceFlush();
            return _exported.GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Last());
        }

        public static long Sum(Dictionary<string, MetricSnapshot> collection, string name, Func<IReadOnlyDictionary<string, object?>, bool> match) =>
            Points(collection, name, match).Sum(point => point.GetSumLong());

        public static long Count(Dictionary<string, MetricSnapshot> collection, string name, Func<IReadOnlyDictionary<string, object?>, bool> match) =>
            Points(collection, name, match).Sum(point => point.GetHistogramCount());

        public void Dispose() => _provider.Dispose();

        private static IEnumerable<MetricPoint> Points(Dictionary<string, MetricSnapshot> collection, string name, Func<IReadOnlyDictionary<string, object?>, bool> match)
        {
            if (!collection.TryGetValue(name, out var metric))
            {
                yield break;
            }

            foreach (var point in metric.MetricPoints)
            {
                var tags = new Dictionary<string, object?>();
                foreach (var tag in point.Tags)
                {
                    tags[tag.Key] = tag.Value;
                }

                if (match(new DefaultingTags(tags)))
                {
                    yield return point;
                }
            }
        }
    }

    /// <summary>Tags where a missing one reads as null (a point without the tag is not the one looked for).</summary>
    private sealed class DefaultingTags(Dictionary<string, object?> tags) : Dictionary<string, object?>(tags), IReadOnlyDictionary<string, object?>
    {
        object? IReadOnlyDictionary<string, object?>.this[string key] => TryGetValue(key, out var value) ? value : null;
    }
}
