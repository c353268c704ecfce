using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using RxSockets.Redis.Tests.Support;
using RxSockets.Scaling;

namespace RxSockets.Redis.Tests;

/// <summary>The <c>RxSockets.Redis</c> meter over a real Redis: publish and broadcast latencies, their failures during
/// an outage, the lost connection and the restoration. NonParallelizable: the instruments are process-wide and carry
/// no node tag, so this test must be the only one using a backplane while it listens.</summary>
[NonParallelizable]
public class RedisMetricsTests
{
    private static readonly TopicHistoryLimits s_history = new(10, TimeSpan.Zero);

    [Test, CancelAfter(120_000)]
    public async Task Backplane_PublishesBroadcastsAndAnOutage_AreMeasured(CancellationToken cancellationToken)
    {
        using var recorder = new Recorder();
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var node = await TestNode.StartAsync(redis, cancellationToken);
        for (var i = 0; i < 3; i++)
        {
            await node.Backplane.PublishAsync("t", new BackplaneMessage(Message.Text("m" + i), node.Id), s_history, cancellationToken);
        }

        await node.Backplane.BroadcastAsync(new BackplaneMessage(Message.Text("all"), node.Id), cancellationToken);

        await redis.StopAsync();
        await node.Handler.WaitUntilAsync(h => h.ConnectionEvents.Contains("lost"), "the node reports the lost connection");
        await Assert.ThrowsAsync<BackplaneUnavailableException>(async () =>
            await node.Backplane.PublishAsync("t", new BackplaneMessage(Message.Text("lost"), node.Id), s_history, cancellationToken));
        await Assert.ThrowsAsync<BackplaneUnavailableException>(async () =>
            await node.Backplane.BroadcastAsync(new BackplaneMessage(Message.Text("lost"), node.Id), cancellationToken));
        await redis.RestartAsync(cancellationToken);
        await node.Handler.WaitUntilAsync(h => h.ConnectionEvents.Contains("restored"), "the node reports the restored connection");

        Assert.Multiple(() =>
        {
            Assert.That(recorder.Count("rxsockets.redis.publish.duration", "publish"), Is.EqualTo(3));
            Assert.That(recorder.Count("rxsockets.redis.publish.duration", "broadcast"), Is.EqualTo(1));
            Assert.That(recorder.All("rxsockets.redis.publish.duration").All(m => m.Value > 0), Is.True, "seconds, measured");
            Assert.That(recorder.Count("rxsockets.redis.publish.errors", "publish"), Is.EqualTo(1));
            Assert.That(recorder.Count("rxsockets.redis.publish.errors", "broadcast"), Is.EqualTo(1));
            Assert.That(recorder.All("rxsockets.redis.publish.errors").Select(m => m.Tags["error.type"]).Distinct(),
                Is.EqualTo(new[] { typeof(BackplaneUnavailableException).FullName }));
            Assert.That(recorder.All("rxsockets.redis.connection.failures").Sum(m => m.Value), Is.GreaterThanOrEqualTo(1),
                "the client library reports each of its connections (commands, subscriptions) that failed");
            Assert.That(recorder.All("rxsockets.redis.connection.restored").Sum(m => m.Value), Is.EqualTo(1));
        });
    }

    private sealed record Measurement(string Instrument, double Value, Dictionary<string, object?> Tags);

    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<Measurement> _measurements = new();

        public Recorder()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "RxSockets.Redis")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Keep(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Keep(instrument, value, tags));
            _listener.Start();
        }

        public IEnumerable<Measurement> All(string instrument) => _measurements.Where(m => m.Instrument == instrument);

        public int Count(string instrument, string operation) =>
            All(instrument).Count(m => Equals(m.Tags.GetValueOrDefault("rxsockets.redis.operation"), operation));

        public void Dispose() => _listener.Dispose();

        private void Keep(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            _measurements.Enqueue(new Measurement(instrument.Name, value, new Dictionary<string, object?>(tags.ToArray())));
    }
}
