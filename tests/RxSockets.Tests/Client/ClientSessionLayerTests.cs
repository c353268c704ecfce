using Microsoft.Reactive.Testing;
using RxSockets.Client;
using RxSockets.Connection;
using RxSockets.Reactive;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Client;

public class ClientSessionLayerTests
{
    [Test, CancelAfter(10_000)]
    public async Task Layer_AroundEveryConnection_IsCalledInTheDocumentedOrder(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock, o => o.SubProtocols.Add("chat"));
        await using var _ = connector;
        var layer = new FakeLayer();
        client.SessionLayer = layer;
        client.OnConnected = (_, _) =>
        {
            layer.Record("hook");
            return default;
        };
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        var first = await connector.NextPeerAsync(cancellationToken);
        await client.SendAsync("a", cancellationToken);
        var wireA = await first.ExpectTextAsync(cancellationToken);
        await first.SendTextAsync("ack:1", cancellationToken);
        await first.SendTextAsync("n:hello", cancellationToken);

        var received = new List<string>();
        await using var reading = client.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        await reading.MoveNextAsync();
        received.Add(reading.Current.GetText());
        await first.CompleteAsync();
        await log.WaitForAsync<ClientReconnecting>(1, cancellationToken);
        await client.SendAsync("b", cancellationToken);
        await clock.StepAsync(cancellationToken);
        var reconnected = await log.WaitForAsync<ClientReconnected>(1, cancellationToken);
        var second = await connector.NextPeerAsync(cancellationToken);
        var wireB = await second.ExpectTextAsync(cancellationToken);

        Assert.That(connector.Attempts.Select(a => a.Options.SubProtocols.ToArray()), Is.All.EqualTo(new[] { "resume.test", "chat" }));
        Assert.That(wireA, Is.EqualTo("w:a"));
        Assert.That(wireB, Is.EqualTo("w:b"));
        Assert.That(received, Is.EqualTo(new[] { "hello" }));
        Assert.That(reconnected.Resumed, Is.True);
        Assert.That(layer.Calls, Is.EqualTo(new[]
        {
            "attach 1", "hook", "wrap a", "unwrap ack:1", "unwrap n:hello", "detach", "attach 2", "hook", "wrap b",
        }));
    }

    /// <summary>A layer that numbers nothing: it prefixes what it sends, swallows "ack:" messages, and strips "n:".</summary>
    private sealed class FakeLayer : IClientSessionLayer
    {
        private readonly Lock _gate = new();
        private readonly List<string> _calls = [];
        private int _attached;

        public IReadOnlyList<string> SubProtocols { get; } = ["resume.test"];

        public IReadOnlyList<string> Calls
        {
            get
            {
                lock (_gate)
                {
                    return [.. _calls];
                }
            }
        }

        public void Record(string call)
        {
            lock (_gate)
            {
                _calls.Add(call);
            }
        }

        public ValueTask<bool> AttachAsync(WebSocketConnection connection, CancellationToken cancellationToken)
        {
            var count = Interlocked.Increment(ref _attached);
            Record($"attach {count}");
            return ValueTask.FromResult(count > 1);
        }

        public bool TryUnwrapIncoming(in Message wire, out Message user)
        {
            var text = wire.GetText();
            Record($"unwrap {text}");
            user = text.StartsWith("n:", StringComparison.Ordinal) ? Message.Text(text[2..]) : default;
            return !text.StartsWith("ack:", StringComparison.Ordinal);
        }

        public Message WrapOutgoing(in Message user)
        {
            Record($"wrap {user.GetText()}");
            return Message.Text("w:" + user.GetText());
        }

        public void Detach() => Record("detach");
    }
}
