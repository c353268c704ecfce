using RxSockets.Redis;
using RxSockets.Redis.Tests.Support;
using RxSockets.Scaling;
using RxSockets.Tests.Support;

namespace RxSockets.AspNetCore.Tests;

/// <summary><c>AddRxSockets</c> with a Redis backplane: two ASP.NET Core applications on one real redis-server are one
/// hub.</summary>
public class BackplaneHostingTests
{
    [Test, CancelAfter(60_000)]
    public async Task AddRxSockets_RedisBackplane_ARoomSpansTwoApplications(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var one = await KestrelHost.StartAsync(options => options.Backplane = new RedisBackplane(new RedisBackplaneOptions { Configuration = redis.Configuration }), cancellationToken);
        await using var two = await KestrelHost.StartAsync(options => options.Backplane = new RedisBackplane(new RedisBackplaneOptions { Configuration = redis.Configuration }), cancellationToken);
        await using var ann = await WebSocketConnection.ConnectAsync(one.WebSocketUrl("/rooms/lobby"), cancellationToken: cancellationToken);
        await using var bob = await WebSocketConnection.ConnectAsync(two.WebSocketUrl("/rooms/lobby"), cancellationToken: cancellationToken);
        await Until.TrueAsync(() => one.Hub.Topic("lobby").Count == 1 && two.Hub.Topic("lobby").Count == 1, cancellationToken);

        await ann.SendAsync("hi bob", cancellationToken);
        await bob.SendAsync("hi ann", cancellationToken);

        Assert.That(await FirstTextAsync(bob, cancellationToken), Is.EqualTo("hi bob"));
        Assert.That(await FirstTextAsync(ann, cancellationToken), Is.EqualTo("hi ann"));
        Assert.That(await one.Hub.Topic("lobby").GetMemberCountAsync(cancellationToken), Is.EqualTo(2));
    }

    [Test, CancelAfter(30_000)]
    public async Task AddRxSockets_RedisUnreachable_TheApplicationFailsToStart(CancellationToken cancellationToken)
    {
        var port = RedisServer.FreePort();

        var error = await Assert.ThrowsAsync<BackplaneUnavailableException>(async () => await KestrelHost.StartAsync(options => options.Backplane =
            new RedisBackplane(new RedisBackplaneOptions { Configuration = $"127.0.0.1:{port}", ConnectTimeout = TimeSpan.FromSeconds(1) }), cancellationToken));

        Assert.That(error!.Message, Does.Contain($"127.0.0.1:{port}"));
    }

    private static async Task<string> FirstTextAsync(WebSocketConnection client, CancellationToken cancellationToken)
    {
        await foreach (var message in client.ReadAllAsync(cancellationToken))
        {
            return message.GetText();
        }

        throw new AssertionException("the connection ended without a message");
    }
}
