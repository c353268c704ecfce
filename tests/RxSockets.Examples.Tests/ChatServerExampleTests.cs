using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class ChatServerExampleTests
{
    [Test, CancelAfter(10_000)]
    public async Task RunAsync_TwoMembers_WelcomesAnnouncesAndBroadcastsToOthersOnly(CancellationToken cancellationToken)
    {
        var output = new LineWriter();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = ChatServerExample.RunAsync(0, output, stop.Token);
        var url = ServerUrl.From(await output.WaitForLineAsync("Chat server listening on ", cancellationToken));

        await using var alice = await WebSocketConnection.ConnectAsync(new Uri(url, "?name=alice"), cancellationToken: cancellationToken);
        await using var aliceInbox = alice.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var aliceWelcome = await NextTextAsync(aliceInbox);
        await using var bob = await WebSocketConnection.ConnectAsync(new Uri(url, "?name=bob"), cancellationToken: cancellationToken);
        await using var bobInbox = bob.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var bobWelcome = await NextTextAsync(bobInbox);
        var joinedNotice = await NextTextAsync(aliceInbox);
        await bob.SendAsync("hi, bob here", cancellationToken);
        var aliceHears = await NextTextAsync(aliceInbox);
        await alice.SendAsync("hello bob", cancellationToken);
        var bobHears = await NextTextAsync(bobInbox);   // bob's own message would have come first had it been echoed
        await bob.CloseAsync(cancellationToken: cancellationToken);
        var leftNotice = await NextTextAsync(aliceInbox);
        await stop.CancelAsync();
        await running;

        Assert.That(aliceWelcome, Is.EqualTo("Welcome, alice! 1 user(s) online."));
        Assert.That(bobWelcome, Is.EqualTo("Welcome, bob! 2 user(s) online."));
        Assert.That(joinedNotice, Is.EqualTo("bob joined"));
        Assert.That(aliceHears, Is.EqualTo("bob: hi, bob here"));
        Assert.That(bobHears, Is.EqualTo("alice: hello bob"));
        Assert.That(leftNotice, Is.EqualTo("bob left"));
        Assert.That(output.Lines, Does.Contain("[chat] bob left"));
    }

    private static async Task<string> NextTextAsync(IAsyncEnumerator<Message> inbox) =>
        await inbox.MoveNextAsync() ? inbox.Current.GetText() : "(connection ended)";
}
