using System.Globalization;
using RxSockets.Examples.Tests.Support;
using RxSockets.Redis.Tests.Support;

namespace RxSockets.Examples.Tests;

/// <summary>
/// The chat-rooms example as two OS processes on one real redis-server: one chat across both (room messages in order,
/// typing notices for everyone but the typist, cluster-wide counts), a node killed with SIGKILL whose members the other
/// node reports as left, and a client of the dead node that comes back on the other one with its position and gets
/// what it missed from the room's history.
/// </summary>
public class ChatRoomsClusterTests
{
    [Test, CancelAfter(90_000)]
    public async Task ChatRooms_TwoProcessesOnOneRedis_OneChatAcrossNodesAndADeadNodesMembersLeave(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var nodeA = StartNode(redis, "node-a");
        await using var nodeB = StartNode(redis, "node-b");
        var urlA = ServerUrl.From(await nodeA.WaitForLineAsync("Chat rooms listening on ", cancellationToken));
        var urlB = ServerUrl.From(await nodeB.WaitForLineAsync("Chat rooms listening on ", cancellationToken));
        await nodeA.WaitForLineAsync("Node node-a: one chat", cancellationToken);
        await nodeB.WaitForLineAsync("Node node-b: one chat", cancellationToken);

        await using var alice = await Member.OpenAsync(urlA, "alice", cancellationToken);
        await using var bob = await Member.OpenAsync(urlB, "bob", cancellationToken);
        await using var carol = await Member.OpenAsync(urlB, "carol", cancellationToken);

        // Joins on both nodes, announced everywhere with the cluster-wide count.
        await alice.SendAsync("/join dev");
        var aliceJoined = await alice.NextAsync();
        await bob.SendAsync("/join dev");
        var bobJoined = await bob.NextAsync();
        var bobJoinedSeenByAlice = await alice.NextAsync();
        await carol.SendAsync("/join dev");
        var carolJoined = await carol.NextAsync();
        var carolJoinedSeenByAlice = await alice.NextAsync();
        var carolJoinedSeenByBob = await bob.NextAsync();

        // Typing: everyone but the typist, on both nodes; the typist's next message is his own line.
        await bob.SendAsync("/typing");
        var typingSeenByAlice = await alice.NextAsync();
        var typingSeenByCarol = await carol.NextAsync();
        await bob.SendAsync("hello from b");
        var bobHearsHimself = await bob.NextAsync();
        var aliceHearsBob = await alice.NextAsync();
        var carolHearsBob = await carol.NextAsync();

        // One publisher's messages arrive in order on the other node.
        var said = Enumerable.Range(1, 20).Select(i => $"line {i}").ToList();
        foreach (var line in said)
        {
            await alice.SendAsync(line);
        }

        var bobHears = await bob.NextAsync(said.Count);
        var carolHears = await carol.NextAsync(said.Count);
        var aliceHears = await alice.NextAsync(said.Count);
        var bobLast = Position(bobHears[^1]);

        // Node A was told of node B's joins; node B's connection ids, from its own log.
        await nodeA.WaitForLineAsync(line => line.StartsWith("[rooms] node-b/", StringComparison.Ordinal) && line.Contains(" (another node) joined dev", StringComparison.Ordinal),
            "node B's join", cancellationToken);

        // SIGKILL node B: no goodbye of any kind. Node A reports its two members as left once node B is declared dead.
        await nodeB.KillAsync(cancellationToken);
        await bob.DisposeAsync();
        await carol.DisposeAsync();
        var leftLines = new List<string>();
        for (var seen = 0; seen < 2; seen++)
        {
            leftLines.Add(await nodeA.WaitForLineAsync(
                line => line.StartsWith("[rooms] node-b/", StringComparison.Ordinal) && line.Contains(" (another node) left dev", StringComparison.Ordinal) && !leftLines.Contains(line),
                "node B's members leaving", cancellationToken));
        }

        // Said while bob was away; bob comes back on node A from his last position and gets it first, then his join
        // (counted cluster-wide: alice and bob, no ghost of node B).
        await alice.SendAsync("while you were away");
        var missed = await alice.NextAsync();
        await using var bobAgain = await Member.OpenAsync(new Uri(urlA, $"?name=bob&room=dev&since={bobLast}"), "bob", cancellationToken);
        var recovered = await bobAgain.NextAsync();
        var bobBack = await bobAgain.NextAsync();
        var bobBackSeenByAlice = await alice.NextAsync();

        Assert.Multiple(() =>
        {
            Assert.That(Text(aliceJoined), Is.EqualTo("* alice joined dev (1 in the room)"));
            Assert.That(Text(bobJoined), Is.EqualTo("* bob joined dev (2 in the room)"));
            Assert.That(Text(bobJoinedSeenByAlice), Is.EqualTo("* bob joined dev (2 in the room)"));
            Assert.That(Text(carolJoined), Is.EqualTo("* carol joined dev (3 in the room)"));
            Assert.That(Text(carolJoinedSeenByAlice), Is.EqualTo("* carol joined dev (3 in the room)"));
            Assert.That(Text(carolJoinedSeenByBob), Is.EqualTo("* carol joined dev (3 in the room)"));
            Assert.That(Text(typingSeenByAlice), Is.EqualTo("~ bob is typing"));
            Assert.That(Text(typingSeenByCarol), Is.EqualTo("~ bob is typing"));
            Assert.That(Text(bobHearsHimself), Is.EqualTo("[dev] bob: hello from b"), "the typist never gets his own typing notice");
            Assert.That(Text(aliceHearsBob), Is.EqualTo("[dev] bob: hello from b"));
            Assert.That(Text(carolHearsBob), Is.EqualTo("[dev] bob: hello from b"));
            Assert.That(bobHears.Select(Text), Is.EqualTo(said.Select(line => $"[dev] alice: {line}")), "in order on the other node");
            Assert.That(carolHears.Select(Text), Is.EqualTo(said.Select(line => $"[dev] alice: {line}")));
            Assert.That(aliceHears.Select(Text), Is.EqualTo(said.Select(line => $"[dev] alice: {line}")));
            Assert.That(bobHears.Select(Position), Is.EqualTo(aliceHears.Select(Position)), "the same positions on both nodes");

            // Alice saw every publication of the room since her join: consecutive offsets, one epoch.
            var aliceSaw = new[] { aliceJoined, bobJoinedSeenByAlice, carolJoinedSeenByAlice, typingSeenByAlice, aliceHearsBob }
                .Concat(aliceHears).Append(missed).Append(bobBackSeenByAlice).Select(Position).ToList();
            Assert.That(aliceSaw.Select(p => p.Offset), Is.EqualTo(Enumerable.Range(1, aliceSaw.Count).Select(i => (long)i)));
            Assert.That(aliceSaw.Select(p => p.Epoch).Distinct().Count(), Is.EqualTo(1));

            Assert.That(leftLines, Has.Count.EqualTo(2).And.All.EndsWith(" (another node) left dev: 1 member(s) here"));
            Assert.That(Text(missed), Is.EqualTo("[dev] alice: while you were away"));
            Assert.That(recovered, Is.EqualTo(missed), "recovered from the history, position included");
            Assert.That(Text(bobBack), Is.EqualTo("* bob joined dev (2 in the room)"));
            Assert.That(bobBackSeenByAlice, Is.EqualTo(bobBack));
        });
    }

    private static ExampleProcess StartNode(RedisServer redis, string nodeId) =>
        ExampleProcess.Start("RxSockets.Examples.dll", "chat-rooms", "--port", "0",
            "--backplane", $"redis://127.0.0.1:{redis.Port.ToString(CultureInfo.InvariantCulture)}",
            "--node-id", nodeId, "--node-timeout", "3s", "--history", "50");

    /// <summary>A room message without its leading "OFFSET@EPOCH ".</summary>
    private static string Text(string message)
    {
        var space = message.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 && TopicPosition.TryParse(message[..space], out _) ? message[(space + 1)..] : message;
    }

    private static TopicPosition Position(string message) =>
        TopicPosition.TryParse(message.Split(' ')[0], out var position) ? position : throw new AssertionException($"no position in '{message}'");

    private sealed class Member : IAsyncDisposable
    {
        private readonly WebSocketConnection _connection;
        private readonly IAsyncEnumerator<Message> _inbox;
        private readonly CancellationToken _cancellationToken;
        private int _disposed;

        private Member(WebSocketConnection connection, CancellationToken cancellationToken)
        {
            _connection = connection;
            _cancellationToken = cancellationToken;
            _inbox = connection.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        }

        public static async Task<Member> OpenAsync(Uri url, string name, CancellationToken cancellationToken)
        {
            var query = url.Query.Length > 0 ? url : new Uri(url, $"?name={name}");
            var member = new Member(await WebSocketConnection.ConnectAsync(query, cancellationToken: cancellationToken), cancellationToken);
            Assert.That(await member.NextAsync(), Does.StartWith($"Hello, {name}!"));
            return member;
        }

        public Task SendAsync(string text) => _connection.SendAsync(text, _cancellationToken).AsTask();

        public async Task<string> NextAsync() => await _inbox.MoveNextAsync() ? _inbox.Current.GetText() : "(connection ended)";

        public async Task<List<string>> NextAsync(int count)
        {
            var messages = new List<string>();
            while (messages.Count < count)
            {
                messages.Add(await NextAsync());
            }

            return messages;
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            try
            {
                await _inbox.DisposeAsync();
            }
            catch (ConnectionClosedException)
            {
                // its node was killed
            }

            await _connection.DisposeAsync();
        }
    }
}
