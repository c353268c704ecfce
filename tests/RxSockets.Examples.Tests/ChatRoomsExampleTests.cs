using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class ChatRoomsExampleTests
{
    [Test, CancelAfter(10_000)]
    public async Task RunAsync_TwoRooms_RoomMessagesTypingNoticesAndMemberCounts(CancellationToken cancellationToken)
    {
        var output = new LineWriter();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = ChatRoomsExample.RunAsync(0, output, stop.Token);
        var url = ServerUrl.From(await output.WaitForLineAsync("Chat rooms listening on ", cancellationToken));
        await using var alice = await OpenAsync(url, "alice", cancellationToken);
        await using var bob = await OpenAsync(url, "bob", cancellationToken);
        await using var carol = await OpenAsync(url, "carol", cancellationToken);

        await alice.Connection.SendAsync("/join dev", cancellationToken);
        var aliceJoined = await alice.NextAsync();
        await bob.Connection.SendAsync("/join dev", cancellationToken);
        var bobJoinedSeenByAlice = await alice.NextAsync();
        var bobJoined = await bob.NextAsync();
        await carol.Connection.SendAsync("/join ops", cancellationToken);
        var carolJoined = await carol.NextAsync();
        await bob.Connection.SendAsync("/typing", cancellationToken);
        var typing = await alice.NextAsync();
        await bob.Connection.SendAsync("hello dev", cancellationToken);
        var bobHearsHimself = await bob.NextAsync();   // not the typing notice: the typist never gets it
        var aliceHears = await alice.NextAsync();
        await carol.Connection.SendAsync("ops only", cancellationToken);
        var carolHears = await carol.NextAsync();
        await bob.Connection.CloseAsync(cancellationToken: cancellationToken);
        var bobLeft = await alice.NextAsync();          // not carol's message: rooms are apart
        await stop.CancelAsync();
        await running;

        Assert.That(aliceJoined, Is.EqualTo("* alice joined dev (1 in the room)"));
        Assert.That(bobJoinedSeenByAlice, Is.EqualTo("* bob joined dev (2 in the room)"));
        Assert.That(bobJoined, Is.EqualTo("* bob joined dev (2 in the room)"));
        Assert.That(carolJoined, Is.EqualTo("* carol joined ops (1 in the room)"));
        Assert.That(typing, Is.EqualTo("~ bob is typing"));
        Assert.That(bobHearsHimself, Is.EqualTo("[dev] bob: hello dev"));
        Assert.That(aliceHears, Is.EqualTo("[dev] bob: hello dev"));
        Assert.That(carolHears, Is.EqualTo("[ops] carol: ops only"));
        Assert.That(bobLeft, Is.EqualTo("* bob left dev (1 in the room)"));
        Assert.That(output.Lines, Does.Contain("[rooms] bob left dev: 1 member(s) here"));
    }

    private static async Task<Member> OpenAsync(Uri url, string name, CancellationToken cancellationToken)
    {
        var connection = await WebSocketConnection.ConnectAsync(new Uri(url, $"?name={name}"), cancellationToken: cancellationToken);
        var member = new Member(connection, connection.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken));
        Assert.That(await member.NextAsync(), Does.StartWith($"Hello, {name}!"));
        return member;
    }

    private sealed record Member(WebSocketConnection Connection, IAsyncEnumerator<Message> Inbox) : IAsyncDisposable
    {
        public async Task<string> NextAsync() => await Inbox.MoveNextAsync() ? Inbox.Current.GetText() : "(connection ended)";

        public async ValueTask DisposeAsync()
        {
            await Inbox.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }
}
