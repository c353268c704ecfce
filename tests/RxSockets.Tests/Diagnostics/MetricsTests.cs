using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using RxSockets.Diagnostics;
using RxSockets.Tests.Client;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Diagnostics;

/// <summary>The <c>RxSockets</c> meter over real loopback connections. The instruments are process-wide and other
/// tests run alongside: each test keeps only the measurements tagged with its own server's port (or, for refusals, a
/// status code no other test answers with).</summary>
public class MetricsTests
{
    [Test, CancelAfter(30_000)]
    public async Task Metrics_ExchangeAndCloseWithCode_CountsOpenedClosedMessagesBytesAndActiveConnections(CancellationToken cancellationToken)
    {
        const int count = 20;
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var port = server.LocalEndPoint.Port;
        using var recorder = new Recorder(tags => Tag(tags, RxSocketsMetrics.PortTag) is int p && p == port);
        var accepted = new TaskCompletionSource<WebSocketConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = server.Connections.Subscribe(connection => accepted.TrySetResult(connection));

        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        var serverSide = await accepted.Task.WaitAsync(cancellationToken);
        var echo = EchoAsync(serverSide, cancellationToken);
        var bytes = 0L;
        for (var i = 0; i < count; i++)
        {
            var text = $"message {i}";
            bytes += text.Length;
            await client.SendAsync(text, cancellationToken);
        }

        var received = 0;
        await foreach (var message in client.ReadAllAsync(cancellationToken))
        {
            if (++received == count)
            {
                break;
            }
        }

        await client.CloseAsync((CloseCode)4001, "done", cancellationToken);
        await echo;
        await serverSide.Completion.WaitAsync(cancellationToken);

        foreach (var role in new[] { "server", "client" })
        {
            Assert.That(recorder.Sum("rxsockets.connections.opened", role), Is.EqualTo(1), role);
            Assert.That(recorder.Sum("rxsockets.connections.closed", role), Is.EqualTo(1), role);
            Assert.That(recorder.Tagged("rxsockets.connections.closed", role).Select(m => Tag(m.Tags, RxSocketsMetrics.CloseCodeTag)),
                Is.EqualTo(new object[] { 4001 }), role);
            Assert.That(recorder.Tagged("rxsockets.connection.duration", role).Count(), Is.EqualTo(1), role);
            Assert.That(recorder.Sum("rxsockets.messages.received", role), Is.EqualTo(count), role);
            Assert.That(recorder.Sum("rxsockets.messages.sent", role), Is.EqualTo(count), role);
            Assert.That(recorder.Sum("rxsockets.bytes.received", role), Is.EqualTo(bytes), role);
            Assert.That(recorder.Sum("rxsockets.bytes.sent", role), Is.EqualTo(bytes), role);
        }

        var active = recorder.Tagged("rxsockets.server.active_connections", role: null).Select(m => m.Value).ToList();
        Assert.That(active, Is.EqualTo(new double[] { 1, -1 }), "one server connection came and went: back to 0");
    }

    [Test, CancelAfter(30_000)]
    public async Task Metrics_RefusedHandshakes_CountedWithTheirStatus(CancellationToken cancellationToken)
    {
        const int unusual = 499;   // answered by no other test, so the count is this test's own
        using var recorder = new Recorder(tags => Tag(tags, RxSocketsMetrics.StatusCodeTag) is int status && status is unusual or 404);
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions
        {
            Path = "/feed",
            VerifyClient = (request, _) => ValueTask.FromResult<HandshakeRejection?>(request.Query.Contains("deny") ? new HandshakeRejection(unusual) : null),
        }, cancellationToken);
        var url = server.Url;

        var wrongPath = await Assert.ThrowsAsync<HandshakeException>(async () =>
            await WebSocketConnection.ConnectAsync(new Uri(url, "/elsewhere"), cancellationToken: cancellationToken));
        Assert.That(wrongPath!.StatusCode, Is.EqualTo(404));
        var denied = await Assert.ThrowsAsync<HandshakeException>(async () =>
            await WebSocketConnection.ConnectAsync(new Uri(url + "?deny=1"), cancellationToken: cancellationToken));
        Assert.That(denied!.StatusCode, Is.EqualTo(unusual));

        const string name = "rxsockets.server.handshake.refusals";
        Assert.That(recorder.All(name).Count(m => (int)Tag(m.Tags, RxSocketsMetrics.StatusCodeTag)! == unusual), Is.EqualTo(1));
        Assert.That(recorder.All(name).Count(m => (int)Tag(m.Tags, RxSocketsMetrics.StatusCodeTag)! == 404), Is.GreaterThanOrEqualTo(1),
            "other tests may refuse with 404 at the same time: at least ours");
    }

    [Test, CancelAfter(30_000)]
    public async Task Metrics_ClientReconnects_CountsEachAttemptWithItsOutcome(CancellationToken cancellationToken)
    {
        var handshakes = 0;
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions
        {
            // The second handshake (the first reconnection attempt) is refused; the third is accepted.
            VerifyClient = (_, _) => ValueTask.FromResult(Interlocked.Increment(ref handshakes) == 2 ? new HandshakeRejection(503) : null),
        }, cancellationToken);
        var port = server.LocalEndPoint.Port;
        using var recorder = new Recorder(tags => Tag(tags, RxSocketsMetrics.PortTag) is int p && p == port);
        var first = InMemory.NextAsync(server.Connections, cancellationToken);
        await using var client = new WebSocketClient(server.Url,
            reconnect: new ReconnectOptions { ReconnectDelay = TimeSpan.FromMilliseconds(10), MaxReconnectDelay = TimeSpan.FromMilliseconds(20) });
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        (await first).Abort();
        await log.WaitForAsync<ClientReconnected>(1, cancellationToken);
        await client.StopAsync(cancellationToken);

        var outcomes = recorder.All("rxsockets.client.reconnect.attempts").Select(m => Tag(m.Tags, RxSocketsMetrics.OutcomeTag));
        Assert.That(outcomes, Is.EqualTo(new object[] { "failure", "success" }));
    }

    private static async Task EchoAsync(WebSocketConnection connection, CancellationToken cancellationToken)
    {
        await foreach (var message in connection.ReadAllAsync(cancellationToken))
        {
            await connection.SendAsync(message, cancellationToken);
        }
    }

    private static object? Tag(IReadOnlyList<KeyValuePair<string, object?>> tags, string name) =>
        tags.FirstOrDefault(tag => tag.Key == name).Value;

    private sealed record Measurement(string Instrument, double Value, IReadOnlyList<KeyValuePair<string, object?>> Tags);

    /// <summary>Listens to the <c>RxSockets</c> meter and keeps the measurements <c>accept</c> takes.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<Measurement> _measurements = new();
        private readonly Func<IReadOnlyList<KeyValuePair<string, object?>>, bool> _accept;

        public Recorder(Func<IReadOnlyList<KeyValuePair<string, object?>>, bool> accept)
        {
            _accept = accept;
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == RxSocketsMetrics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Keep(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Keep(instrument, value, tags));
            _listener.Start();
        }

        public IEnumerable<Measurement> All(string instrument) => _measurements.Where(m => m.Instrument == instrument);

        public IEnumerable<Measurement> Tagged(string instrument, string? role) =>
            All(instrument).Where(m => role is null || Equals(Tag(m.Tags, RxSocketsMetrics.RoleTag), role));

        public double Sum(string instrument, string role) => Tagged(instrument, role).Sum(m => m.Value);

        public void Dispose() => _listener.Dispose();

        private void Keep(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = tags.ToArray();
            if (_accept(copy))
            {
                _measurements.Enqueue(new Measurement(instrument.Name, value, copy));
            }
        }
    }
}
