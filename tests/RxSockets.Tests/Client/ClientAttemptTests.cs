using Microsoft.Reactive.Testing;
using System.Globalization;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Client;

/// <summary>Every connection attempt can be prepared (<see cref="ReconnectOptions.BeforeConnect"/>), and a refusal's
/// <c>Retry-After</c> is honoured (issue 14).</summary>
public class ClientAttemptTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [Test, CancelAfter(30_000)]
    public async Task BeforeConnect_TokenChangesBetweenAttempts_ServerAcceptsEachFreshToken(CancellationToken cancellationToken)
    {
        // The server accepts only the token of the current "epoch"; the client fetches a fresh one before every attempt.
        var epoch = 1;
        var seen = new List<string?>();
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions
        {
            VerifyClient = (request, _) =>
            {
                var token = request.GetHeader("Authorization");
                lock (seen)
                {
                    seen.Add(token);
                }

                return ValueTask.FromResult(token == $"Bearer token-{Volatile.Read(ref epoch)}" ? null : new HandshakeRejection(401));
            },
        }, cancellationToken);
        var attempts = new List<(int Number, Exception? LastError)>();
        var reconnect = new ReconnectOptions
        {
            ReconnectDelay = TimeSpan.FromMilliseconds(10),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(20),
            BeforeConnect = async (attempt, ct) =>
            {
                await Task.Yield();
                attempts.Add((attempt.Number, attempt.LastError));
                attempt.Headers["Authorization"] = $"Bearer token-{Volatile.Read(ref epoch)}";
            },
        };
        var first = InMemory.NextAsync(server.Connections, cancellationToken);
        await using var client = new WebSocketClient(server.Url, new WebSocketClientOptions { Headers = { ["X-Client"] = "test" } }, reconnect);
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);

        Volatile.Write(ref epoch, 2);   // the old token expires, and the server drops the connection
        (await first).Abort();
        await log.WaitForAsync<ClientReconnected>(1, cancellationToken);

        Assert.That(seen, Is.EqualTo(new[] { "Bearer token-1", "Bearer token-2" }));
        Assert.That(attempts.Select(a => a.Number), Is.EqualTo(new[] { 0, 1 }));
        Assert.That(attempts[0].LastError, Is.Null);
        Assert.That(attempts[1].LastError, Is.InstanceOf<ConnectionClosedException>());
    }

    [Test, CancelAfter(10_000)]
    public async Task BeforeConnect_ChangesUrlAndHeaders_ForThatAttemptOnly(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var reconnect = new ReconnectOptions
        {
            BeforeConnect = (attempt, _) =>
            {
                attempt.Url = new Uri($"ws://replica{attempt.Number}.test/feed");
                attempt.Headers.Remove("X-Old");
                attempt.Headers["X-Attempt"] = attempt.Number.ToString(CultureInfo.InvariantCulture);
                return default;
            },
        };
        var (client, connector) = FakeConnector.CreateClient(clock, options => options.Headers["X-Old"] = "1", reconnect);
        await using var fake = connector;
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);

        var attempt = connector.Attempts.Single();
        Assert.That(attempt.Url, Is.EqualTo(new Uri("ws://replica0.test/feed")));
        Assert.That(attempt.Options.Headers, Is.EquivalentTo(new Dictionary<string, string> { ["X-Attempt"] = "0" }));
        Assert.That(log.OfType<ClientConnecting>().Single().Url, Is.EqualTo(new Uri("ws://replica0.test/feed")));
        Assert.That(client.Url, Is.EqualTo(new Uri("ws://fake.test/feed")), "the client's own URL is unchanged");
        Assert.Throws<ArgumentException>(() => new ConnectionAttemptProbe().SetUrl(new Uri("http://x.test/")));
    }

    [Test, CancelAfter(10_000)]
    public async Task BeforeConnect_Throws_TheClientGivesUpWithThatError(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var reconnect = new ReconnectOptions { BeforeConnect = (_, _) => throw new InvalidOperationException("token service down") };
        var (client, connector) = FakeConnector.CreateClient(clock, reconnect: reconnect);
        await using var fake = connector;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => client.StartAsync(cancellationToken));

        Assert.That(error!.Message, Is.EqualTo("token service down"));
        Assert.That(connector.Calls, Is.Zero);
        Assert.That(client.State, Is.EqualTo(ClientState.Closed));
    }

    [TestCase(503)]
    [TestCase(429)]
    [CancelAfter(10_000)]
    public async Task RetryAfter_DeltaSecondsOnRefusal_NextAttemptWaitsThatLong(int status, CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var reconnect = new ReconnectOptions { ReconnectDelay = TimeSpan.FromSeconds(1), MaxReconnectDelay = TimeSpan.FromSeconds(30) };
        var (client, connector) = FakeConnector.CreateClient(clock, reconnect: reconnect);
        await using var fake = connector;
        connector.Failure = i => i == 1 ? Refusal(status, "120") : null;
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);

        await connector.DropFirstConnectionAsync(log, cancellationToken);
        await RefusedOnceThenReconnectedAsync(clock, log, cancellationToken);

        // Backoff alone would wait 2 s (and at most 30 s) before attempt 2; the server asked for 120 s.
        Assert.That(log.OfType<ClientReconnecting>().Select(r => r.Delay.TotalSeconds), Is.EqualTo(new[] { 1.0, 120 }));
        Assert.That(connector.Attempts.Select(a => (a.Time - DateTimeOffset.MinValue).TotalSeconds), Is.EqualTo(new[] { 0.0, 1, 121 }));
    }

    [Test, CancelAfter(10_000)]
    public async Task RetryAfter_HttpDate_WaitsUntilThatDateOnTheClientsClock(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        clock.AdvanceTo(s_start - DateTimeOffset.MinValue);
        var reconnect = new ReconnectOptions { ReconnectDelay = TimeSpan.FromSeconds(1) };
        var (client, connector) = FakeConnector.CreateClient(clock, reconnect: reconnect);
        await using var fake = connector;
        var date = (s_start + TimeSpan.FromSeconds(91)).ToString("R", CultureInfo.InvariantCulture);
        connector.Failure = i => i == 1 ? Refusal(503, date) : null;
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);

        await connector.DropFirstConnectionAsync(log, cancellationToken);
        await RefusedOnceThenReconnectedAsync(clock, log, cancellationToken);

        // Refused at start + 1 s, told to come back at start + 91 s: a 90 s wait.
        Assert.That(log.OfType<ClientReconnecting>().Select(r => r.Delay.TotalSeconds), Is.EqualTo(new[] { 1.0, 90 }));
        Assert.That(connector.Attempts[2].Time, Is.EqualTo(s_start + TimeSpan.FromSeconds(91)));
    }

    [Test, CancelAfter(10_000)]
    public async Task RetryAfter_LongerThanMaxRetryAfter_IsCapped(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var reconnect = new ReconnectOptions { ReconnectDelay = TimeSpan.FromSeconds(1), MaxRetryAfter = TimeSpan.FromMinutes(10) };
        var (client, connector) = FakeConnector.CreateClient(clock, reconnect: reconnect);
        await using var fake = connector;
        connector.Failure = i => i == 1 ? Refusal(503, "86400") : null;
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);

        await connector.DropFirstConnectionAsync(log, cancellationToken);
        await clock.StepAsync(cancellationToken);
        var second = await log.WaitForAsync<ClientReconnecting>(2, cancellationToken);

        Assert.That(second.Delay, Is.EqualTo(TimeSpan.FromMinutes(10)));
    }

    [Test, CancelAfter(10_000)]
    public async Task RetryAfter_OnOtherStatusOrWhenZeroMax_IsIgnored(CancellationToken cancellationToken)
    {
        foreach (var (status, max) in new[] { (500, TimeSpan.FromMinutes(5)), (503, TimeSpan.Zero) })
        {
            var clock = new TestScheduler();
            var reconnect = new ReconnectOptions { ReconnectDelay = TimeSpan.FromSeconds(1), MaxRetryAfter = max };
            var (client, connector) = FakeConnector.CreateClient(clock, reconnect: reconnect);
            await using var fake = connector;
            connector.Failure = i => i == 1 ? Refusal(status, "120") : null;
            var log = EventLog.Of(client);
            await client.StartAsync(cancellationToken);

            await connector.DropFirstConnectionAsync(log, cancellationToken);
            await clock.StepAsync(cancellationToken);
            var second = await log.WaitForAsync<ClientReconnecting>(2, cancellationToken);

            Assert.That(second.Delay, Is.EqualTo(TimeSpan.FromSeconds(2)), $"{status}, MaxRetryAfter {max}");
        }
    }

    [Test]
    public void HandshakeException_RetryAfter_ParsesSecondsAndDatesAndIgnoresGarbage()
    {
        Assert.That(Refusal(503, "120").RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(120)));
        Assert.That(Refusal(429, "Sun, 06 Dec 2026 12:01:31 GMT").RetryAfter?.Date, Is.EqualTo(s_start + TimeSpan.FromSeconds(91)));
        Assert.That(Refusal(503, "soon").RetryAfter, Is.Null);
        Assert.That(Refusal(503, "-5").RetryAfter, Is.Null);
        Assert.That(new HandshakeException("x", 503, null, null, isTransient: true).RetryAfter, Is.Null);
    }

    [Test]
    public void ReconnectOptions_NegativeMaxRetryAfter_ThrowsNamingTheProperty()
    {
        var error = Assert.Throws<ArgumentException>(() => _ = new WebSocketClient("ws://fake.test/", reconnect: new ReconnectOptions { MaxRetryAfter = TimeSpan.FromSeconds(-1) }));
        Assert.That(error!.ParamName, Is.EqualTo(nameof(ReconnectOptions.MaxRetryAfter)));
    }

    /// <summary>Lets the reconnect delay pass, the refused attempt fail, the next delay pass and the client reconnect.</summary>
    private static async Task RefusedOnceThenReconnectedAsync(TestScheduler clock, EventLog log, CancellationToken cancellationToken)
    {
        await clock.StepAsync(cancellationToken);
        await log.WaitForAsync<ClientReconnecting>(2, cancellationToken);
        await clock.StepAsync(cancellationToken);
        await log.WaitForAsync<ClientReconnected>(1, cancellationToken);
    }

    private static HandshakeException Refusal(int status, string retryAfter) =>
        new($"WebSocket handshake rejected: HTTP {status}", status, new Dictionary<string, string> { ["Retry-After"] = retryAfter }, null, isTransient: true);

    /// <summary>Reaches the internal constructor to check the setter's validation.</summary>
    private sealed class ConnectionAttemptProbe
    {
        private readonly ConnectionAttempt _attempt = new(0, new Uri("ws://a.test/"), new Dictionary<string, string>(), null);

        public void SetUrl(Uri url) => _attempt.Url = url;
    }
}
