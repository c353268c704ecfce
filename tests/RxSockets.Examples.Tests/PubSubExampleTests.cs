using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class PubSubExampleTests
{
    [Test, CancelAfter(10_000)]
    public async Task RunAsync_SubscribePublishUnsubscribe_DeliversToCurrentSubscribersOnly(CancellationToken cancellationToken)
    {
        var output = new LineWriter();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = PubSubExample.RunAsync(0, output, stop.Token);
        var url = ServerUrl.From(await output.WaitForLineAsync("Pub/sub broker listening on ", cancellationToken));
        await using var reader = await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken);
        await using var readerInbox = reader.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using var writer = await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken);
        await using var writerInbox = writer.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

        var subscribed = await AskAsync(reader, readerInbox, "subscribe news");
        var published = await AskAsync(writer, writerInbox, "publish news rates are up");
        var delivered = await NextAsync(readerInbox);
        var unsubscribed = await AskAsync(reader, readerInbox, "unsubscribe news");
        var publishedToNobody = await AskAsync(writer, writerInbox, "publish news anyone?");
        var resubscribed = await AskAsync(reader, readerInbox, "subscribe news");
        var unknown = await AskAsync(writer, writerInbox, "shout");

        Assert.That(subscribed, Is.EqualTo("subscribed news (1)"));
        Assert.That(published, Is.EqualTo("published news to 1"));
        Assert.That(delivered, Is.EqualTo("news: rates are up"));
        Assert.That(unsubscribed, Is.EqualTo("unsubscribed news (0)"));
        Assert.That(publishedToNobody, Is.EqualTo("published news to 0"));
        Assert.That(resubscribed, Is.EqualTo("subscribed news (1)"), "the reply to the resubscription, not 'anyone?'");
        Assert.That(unknown, Does.StartWith("unknown command"));
        await stop.CancelAsync();
        await running;
    }

    [Test, CancelAfter(10_000)]
    public async Task RunAsync_SubscriberDisconnects_IsUnsubscribedByTheServer(CancellationToken cancellationToken)
    {
        var output = new LineWriter();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = PubSubExample.RunAsync(0, output, stop.Token);
        var url = ServerUrl.From(await output.WaitForLineAsync("Pub/sub broker listening on ", cancellationToken));
        await using var writer = await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken);
        await using var writerInbox = writer.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var leaver = await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken);
        await using (var leaverInbox = leaver.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken))
        {
            await AskAsync(leaver, leaverInbox, "subscribe prices");
            await AskAsync(leaver, leaverInbox, "subscribe news");
        }

        await leaver.DisposeAsync();
        await output.WaitForLineAsync(line => line.EndsWith("left prices: 0 subscriber(s)", StringComparison.Ordinal), cancellationToken);
        await output.WaitForLineAsync(line => line.EndsWith("left news: 0 subscriber(s)", StringComparison.Ordinal), cancellationToken);
        var published = await AskAsync(writer, writerInbox, "publish prices 42");

        Assert.That(published, Is.EqualTo("published prices to 0"));
        await stop.CancelAsync();
        await running;
    }

    private static async Task<string> AskAsync(WebSocketConnection connection, IAsyncEnumerator<Message> inbox, string command)
    {
        await connection.SendAsync(command);
        return await NextAsync(inbox);
    }

    private static async Task<string> NextAsync(IAsyncEnumerator<Message> inbox) =>
        await inbox.MoveNextAsync() ? inbox.Current.GetText() : "(connection ended)";
}
