namespace RxSockets.AspNetCore.Tests;

/// <summary>The handshake hooks of issue 14 on the ASP.NET Core hosting path: headers added to the 101 and the
/// server-wide observable of refusals.</summary>
public class HandshakeHooksTests
{
    [Test, CancelAfter(20_000)]
    public async Task AddResponseHeaders_OnKestrel_ClientReadsThem(CancellationToken cancellationToken)
    {
        await using var host = await KestrelHost.StartAsync(
            o => o.AddResponseHeaders = request => new Dictionary<string, string> { ["X-Room"] = request.GetQueryValue("room") ?? "none" },
            cancellationToken);

        await using var client = await WebSocketConnection.ConnectAsync(host.WebSocketUrl("/ws?room=blue"), cancellationToken: cancellationToken);

        Assert.That(client.ResponseHeaders["X-Room"], Is.EqualTo("blue"));
        await client.CloseAsync(cancellationToken: cancellationToken);
    }

    [Test, CancelAfter(20_000)]
    public async Task HandshakeFailures_OnKestrel_ReportsVerifyClientRefusal(CancellationToken cancellationToken)
    {
        await using var host = await KestrelHost.StartAsync(
            o => o.VerifyClient = (_, _) => ValueTask.FromResult<HandshakeRejection?>(new HandshakeRejection(403, "not you")),
            cancellationToken);
        var reported = new TaskCompletionSource<HandshakeFailure>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = host.Hub.HandshakeFailures.Subscribe(failure => reported.TrySetResult(failure));

        var error = await Assert.ThrowsAsync<HandshakeException>(async () =>
            await WebSocketConnection.ConnectAsync(host.WebSocketUrl("/ws"), cancellationToken: cancellationToken));
        var failure = await reported.Task.WaitAsync(cancellationToken);

        Assert.That(error?.StatusCode, Is.EqualTo(403));
        Assert.That(failure.StatusCode, Is.EqualTo(403));
        Assert.That(failure.Reason, Is.EqualTo("not you"));
        Assert.That(failure.Path, Is.EqualTo("/ws"));
        Assert.That(failure.RemoteEndPoint, Is.Not.Null);
    }
}
