using RxSockets.Tests.Support;

namespace RxSockets.AspNetCore.Tests;

public class MapRxSocketsTests
{
    [Test, CancelAfter(20_000)]
    public async Task MapRxSockets_OurClient_EchoesOnKestrel(CancellationToken cancellationToken)
    {
        await using var host = await KestrelHost.StartAsync(null, cancellationToken);
        var accepted = NextAsync(host.Hub.Connections, cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(host.WebSocketUrl("/ws?user=ann"), cancellationToken: cancellationToken);

        await client.SendAsync("ping over kestrel", cancellationToken);
        var echoed = await FirstAsync(client, cancellationToken);
        var serverSide = await accepted;

        Assert.That(echoed, Is.EqualTo("ping over kestrel"));
        Assert.That(serverSide.Request?.GetQueryValue("user"), Is.EqualTo("ann"));
        Assert.That(host.Hub.ClientCount, Is.EqualTo(1));
        await client.CloseAsync(cancellationToken: cancellationToken);
        Assert.That(client.CloseStatus?.Code, Is.EqualTo(CloseCode.NormalClosure));
    }

    [Test, CancelAfter(20_000)]
    public async Task MapRxSockets_Rooms_PublishReachesOtherMembersOnly(CancellationToken cancellationToken)
    {
        await using var host = await KestrelHost.StartAsync(null, cancellationToken);
        var lobby = host.Hub.Topic("lobby");
        await using var ann = await WebSocketConnection.ConnectAsync(host.WebSocketUrl("/rooms/lobby"), cancellationToken: cancellationToken);
        await using var bob = await WebSocketConnection.ConnectAsync(host.WebSocketUrl("/rooms/lobby"), cancellationToken: cancellationToken);
        await using var eve = await WebSocketConnection.ConnectAsync(host.WebSocketUrl("/rooms/elsewhere"), cancellationToken: cancellationToken);
        await Until.TrueAsync(() => lobby.Count == 2 && host.Hub.Topic("elsewhere").Count == 1, cancellationToken);

        await ann.SendAsync("hi lobby", cancellationToken);
        var bobGot = await FirstAsync(bob, cancellationToken);
        await host.Hub.Topic("elsewhere").PublishAsync("only for eve", cancellationToken: cancellationToken);
        await lobby.PublishAsync("from the server", cancellationToken: cancellationToken);

        Assert.That(bobGot, Is.EqualTo("hi lobby"));
        Assert.That(await FirstAsync(ann, cancellationToken), Is.EqualTo("from the server"));   // not its own message
        Assert.That(await FirstAsync(eve, cancellationToken), Is.EqualTo("only for eve"));
    }

    [Test, CancelAfter(20_000)]
    public async Task MapRxSockets_SideBySide_NormalEndpointsAndRefusalsWork(CancellationToken cancellationToken)
    {
        await using var host = await KestrelHost.StartAsync(o => o.MaxConnectionsPerAddress = 1, cancellationToken);
        using var http = new HttpClient { BaseAddress = host.BaseUrl };
        await using var first = await WebSocketConnection.ConnectAsync(host.WebSocketUrl("/ws"), cancellationToken: cancellationToken);

        var hello = await http.GetStringAsync("/hello", cancellationToken);
        var plainGet = await http.GetAsync("/ws", cancellationToken);
        var refused = await ConnectStatusAsync(host.WebSocketUrl("/ws"), cancellationToken);

        Assert.That(hello, Is.EqualTo("hello from a normal endpoint"));
        Assert.That((int)plainGet.StatusCode, Is.EqualTo(426));
        Assert.That(refused, Is.EqualTo(429));
    }

    [Test, CancelAfter(20_000)]
    public async Task StopAsync_Application_ClosesConnectionsWith1001(CancellationToken cancellationToken)
    {
        var host = await KestrelHost.StartAsync(null, cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(host.WebSocketUrl("/ws"), cancellationToken: cancellationToken);

        var stopping = host.DisposeAsync().AsTask();
        await client.Completion.WaitAsync(cancellationToken);
        await stopping.WaitAsync(cancellationToken);

        Assert.That(client.CloseStatus?.Code, Is.EqualTo(CloseCode.GoingAway));
    }

    private static async Task<int?> ConnectStatusAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken);
            return null;
        }
        catch (HandshakeException error)
        {
            return error.StatusCode;
        }
    }

    private static async Task<string> FirstAsync(WebSocketConnection connection, CancellationToken cancellationToken)
    {
        await foreach (var message in connection.ReadAllAsync(cancellationToken))
        {
            return message.GetText();
        }

        throw new AssertionException("the connection ended before a message arrived");
    }

    private static Task<T> NextAsync<T>(IObservable<T> source, CancellationToken cancellationToken)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = source.Subscribe(value => result.TrySetResult(value));
        _ = result.Task.ContinueWith(_ => subscription.Dispose(), TaskScheduler.Default);
        return result.Task.WaitAsync(cancellationToken);
    }
}
